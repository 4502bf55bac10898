// The bench's chat rows: what the user feels, with real OpenClaw gateways. Each run is a whole
// `npm run drill` (two real gateways with Telegram channels on the lab's stand-ins, the built
// monitor, the owner DMing the standby bot every 0.5 s from the kill), one after the other: two
// OpenClaw starts at once on 2 cores would measure the machine, not the failover.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Timings } from '../../lab/monitor-config.js';
import type { Measurements } from '../drill/scenario.js';
import { percentile, tableRow } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** A drill at the product's probe pace takes 1.5–2 min; one that hangs is cut off. */
const DRILL_TIMEOUT_MS = 10 * 60_000;

/** The stack's 120 s minimum active time would only lengthen each drill: the failback rows start at the primary's return. */
const DRILL_MIN_ACTIVE_SECONDS = 10;

/** The bench's settings as the drill's flags (its lab default probes every second). */
function pace(t: Timings): string[] {
  return [
    ['--interval', t.checkIntervalSeconds],
    ['--timeout', t.timeoutSeconds],
    ['--fail-threshold', t.failThreshold],
    ['--recover-threshold', t.recoverThreshold],
    ['--min-active', DRILL_MIN_ACTIVE_SECONDS],
    ['--confirm-interval', t.confirmIntervalSeconds],
    ['--min-outage', t.minOutageSeconds],
  ].flatMap(([flag, value]) => [String(flag), String(value)]);
}

/** Runs the drill with `args` `runs` times in a row; rejects with its output if one fails. */
async function drillRuns(args: readonly string[], runs: number): Promise<Measurements[]> {
  const results: Measurements[] = [];
  for (let i = 0; i < runs; i++) results.push(await drillOnce(args));
  return results;
}

async function drillOnce(args: readonly string[]): Promise<Measurements> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-drill-'));
  const json = join(dir, 'measurements.json');
  try {
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      ['scripts/drill.ts', ...args, '--json', json, '--logs', join(dir, 'logs')],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), DRILL_TIMEOUT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    if (code !== 0) throw new Error(`drill ${args.join(' ')} failed (exit ${code}):\n${output}`);
    return (JSON.parse(readFileSync(json, 'utf8')) as { measurements: Measurements }).measurements;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The drills behind the chat rows: ours warm and cold at the product's pace, the seed's (cold). */
export interface ChatRuns {
  warm: Measurements[];
  cold: Measurements[];
  seed: Measurements[];
}

export const DM_RUNS = 3;

/** `ours`: the bench's column of our defaults, at real intervals. */
export async function chatRuns(ours: Timings): Promise<ChatRuns> {
  return {
    warm: await drillRuns([...pace(ours), '--standby', 'warm'], DM_RUNS),
    cold: await drillRuns([...pace(ours), '--standby', 'cold'], DM_RUNS),
    seed: await drillRuns(['--seed'], DM_RUNS),
  };
}

/** Median and range over a few runs, seconds: a p95 of three would mean nothing. */
const spread = (runs: Measurements[], pick: (m: Measurements) => number) => {
  const values = runs.map(pick);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return `${s(percentile(values, 50))} s (${s(Math.min(...values))}–${s(Math.max(...values))})`;
};

/** The table rows, in the bench's columns: our defaults, the previous defaults, the seed. */
export function chatRows(r: ChatRuns): string[] {
  const how = `real OpenClaw gateways, median (min–max) of ${DM_RUNS} drills each, the owner DMs every 0.5 s`;
  return [
    tableRow(
      'kill -9 → the standby bot answers a DM, warm standby',
      [spread(r.warm, (m) => m.killToStandbyAnswersMs), '(not run)', '(the seed has no warm standby)'],
      `${how}; the default`,
    ),
    tableRow(
      'kill -9 → the standby bot answers a DM, cold standby',
      [
        spread(r.cold, (m) => m.killToStandbyAnswersMs),
        '(not run)',
        spread(r.seed, (m) => m.killToStandbyAnswersMs),
      ],
      `${how}; the gateway starts at the promotion`,
    ),
    tableRow(
      'primary back → the standby bot falls silent / the primary bot answers',
      [
        `${spread(r.warm, (m) => m.primaryBackToStandbySilentMs)} / ${spread(r.warm, (m) => m.primaryBackToPrimaryAnswersMs)} (warm)`,
        '(not run)',
        `${spread(r.seed, (m) => m.primaryBackToStandbySilentMs)} / ${spread(r.seed, (m) => m.primaryBackToPrimaryAnswersMs)}`,
      ],
      `${how}; from the monitor's first healthy probe of the restarted primary (its own cold start not counted)`,
    ),
  ];
}
