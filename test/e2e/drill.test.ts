// `npm run drill` as a user runs it: real OpenClaw gateways with Telegram channels on the lab's
// stand-ins, the built monitor, a live timeline.
// Each run gets its own free ports and logs folder, so it can run beside the other e2e tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, isListening } from '../../lab/ports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const logsDir = mkdtempSync(join(tmpdir(), 'drill-test-logs-'));

interface DrillRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForOutput: (pattern: RegExp, timeoutMs: number) => Promise<void>;
}

const runs: DrillRun[] = [];

/** Starts `npm run drill` in its own process group, as a terminal runs a foreground job. */
function startDrill(args: string[]): DrillRun {
  const child = spawn('npm', ['run', 'drill', '--', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const run: DrillRun = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitForOutput(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(
            `no ${pattern} in the drill's output (exit ${child.exitCode}):\n${stdout}\n${stderr}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  runs.push(run);
  return run;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

async function portArgs() {
  const [primary, standby, status] = (await distinctFreePorts(3)) as [number, number, number];
  const args = ['--primary-port', `${primary}`, '--standby-port', `${standby}`, '--status-port', `${status}`];
  return { ports: [primary, standby, status], args: [...args, '--logs', logsDir] };
}

/** Pids of live processes whose environment mentions the lab folder (every lab process does). */
function processesOf(labDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z' && readFileSync(`/proc/${entry}/environ`, 'utf8').includes(labDir)) {
        found.push(Number(entry));
      }
    } catch {}
  }
  return found;
}

/** OpenClaw's lock files for the lab's databases (/tmp/openclaw-state-locks-<uid>/*.<hash>.lock.sqlite). */
function lockFilesOf(labDir: string): string[] {
  const locks = `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`;
  if (!existsSync(locks)) return [];
  const suffixes = ['primary', 'standby'].map((gateway) => {
    const database = join(labDir, gateway, 'state', 'state', 'openclaw.sqlite');
    return `.${createHash('sha256').update(database).digest('hex').slice(0, 8)}.lock.sqlite`;
  });
  return readdirSync(locks).filter((name) => suffixes.some((s) => name.endsWith(s)));
}

async function expectNothingLeft(stdout: string, ports: number[]): Promise<void> {
  const labDir = /lab folder\s+(\S+)/.exec(stdout)?.[1];
  expect(labDir).toMatch(/failover-drill-/);
  expect(existsSync(labDir as string)).toBe(false);
  expect(processesOf(labDir as string)).toEqual([]);
  expect(lockFilesOf(labDir as string)).toEqual([]);
  for (const port of ports) expect(await isListening(port)).toBe(false);
}

afterEach(() => {
  // A failed assertion must not leave a drill running: stop its whole group.
  for (const run of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.pid) {
      try {
        process.kill(-run.child.pid, 'SIGKILL');
      } catch {}
    }
  }
});

afterAll(() => rmSync(logsDir, { recursive: true, force: true }));

/** What the timeline says of the standby's gateway, by how it waits: running (warm) or stopped (cold). */
const STANDBY_LINES = {
  warm: {
    setup: [/standby gateway ready with its channel off after/],
    start: /standby gateway starting \(telegram channel of process .* \(warm standby\)\)/,
    stop: /standby channel switching off/,
    after: /own check: the standby gateway still runs on 127\.0\.0\.1:\d+ \(warm\)/,
    summary: /warm standby: channel on in \d+\.\d s/,
  },
  cold: {
    setup: [],
    start: /standby gateway starting \(process/,
    stop: /standby gateway stopping/,
    after: /own check: nothing listens on 127\.0\.0\.1:\d+ any more/,
    summary: /standby cold start \d+\.\d s/,
  },
};

describe('npm run drill', () => {
  it.each(['warm', 'cold'] as const)(
    'fails over to a %s standby and back, prints the timeline and the summary, and leaves nothing behind',
    async (mode) => {
      const { ports, args } = await portArgs();
      // Warm is the default, as in the stack.
      const run = startDrill(mode === 'warm' ? args : [...args, '--standby', 'cold']);
      const { code } = await run.exited;
      const stdout = run.stdout();
      expect(code, `${stdout}\n${run.stderr()}`).toBe(0);

      const standby = STANDBY_LINES[mode];
      const milestones = [
        /primary ready: \/readyz answered 200/,
        /primary bot answers the owner's DM: "The lab model answers\."/,
        ...standby.setup,
        /watching: \d+ healthy probes/,
        /standby bot: never polled so far/,
        /^ +\+0\.0 s {2}primary killed; the owner DMs the standby bot every 0\.5 s from now$/m,
        // The kill comes at a random phase: mid-probe, the first failure is the connection reset.
        /probe failed: 1 in a row over 0 s, promoting at 3 over 8 s \(down: (ECONNREFUSED|ECONNRESET)/,
        /probe failed: 3 in a row over [\d.]+ s/,
        /PROMOTE decision: primary down for \d+ consecutive probes over [\d.]+ s/,
        standby.start,
        /standby gateway ready: \/readyz answered 200/,
        /standby ACTIVE/,
        /own check: .*\/readyz answers 200, ready: true/,
        /the standby bot answers a DM \(\d+ sent since the kill/,
        /primary restarting/,
        /the owner DMs the primary bot every 0\.5 s from now/,
        /DEMOTE decision: primary healthy for \d+ consecutive probes/,
        standby.stop,
        /back to STANDBY: standby gateway stopped/,
        standby.after,
        /own check: the standby bot is no longer polled/,
        /^summary$/m,
        standby.summary,
        /cleanup: all lab processes stopped/,
      ];
      const positions = milestones.map((m) => stdout.search(m));
      expect(positions.filter((p) => p < 0).length, stdout).toBe(0);
      expect(positions, stdout).toEqual([...positions].sort((a, b) => a - b));
      // Shown when it happens: before or after the standby's bot is off.
      const primaryAnswers = stdout.search(
        /the primary bot answers a DM \(\d+ sent since the primary came back/,
      );
      expect(primaryAnswers, stdout).toBeGreaterThan(stdout.search(/the owner DMs the primary bot every/));
      expect(primaryAnswers, stdout).toBeLessThan(stdout.search(/^summary$/m));

      // The live timeline reads forward: its stamps never go back.
      const stamps = [...stdout.matchAll(/^ +\+(\d+\.\d) s {2}/gm)].map((m) => Number(m[1]));
      expect(stamps.length).toBeGreaterThan(10);
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));

      const row = (what: string) => {
        const cell = new RegExp(`^ +${what} +(\\d+\\.\\d)`, 'm').exec(stdout)?.[1];
        expect(cell, `summary row "${what}"`).toBeDefined();
        return Number(cell);
      };
      // Probes 1 s apart after the kill until the run has lasted minOutageSeconds (8 s), then an
      // OpenClaw cold start (7–11 s, more under load).
      expect(row('primary killed → first failed probe')).toBeLessThanOrEqual(2);
      expect(row('primary killed → promote decision')).toBeGreaterThanOrEqual(8);
      expect(row('primary killed → promote decision')).toBeLessThanOrEqual(11);
      expect(row('primary killed → standby gateway ready')).toBeLessThan(100);
      expect(row('primary back → back to standby')).toBeGreaterThanOrEqual(
        row('primary back → demote decision'),
      );
      // A bot answers only once its gateway runs, and the standby's falls silent only once it is told to stop.
      expect(row('primary killed → standby bot answers a DM')).toBeGreaterThan(
        row('primary killed → promote decision'),
      );
      expect(row('primary back → standby bot stops answering')).toBeGreaterThanOrEqual(
        row('primary back → demote decision'),
      );
      expect(row('primary back → primary bot answers again')).toBeGreaterThan(0);

      expect(readFileSync(join(logsDir, 'monitor.log'), 'utf8')).toContain('"to":"active"');
      expect(readFileSync(join(logsDir, 'monitor-config.json'), 'utf8')).toContain('"manager": "process"');
      await expectNothingLeft(stdout, ports);
    },
    300_000,
  );

  it('names the port and its flag when a port is taken, before starting anything', async () => {
    const { args } = await portArgs();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const started = Date.now();
      const run = startDrill([...args, '--standby-port', `${port}`]);
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.stderr()).toContain(`port ${port} (the standby gateway) is already in use`);
      expect(run.stderr()).toContain('--standby-port');
      expect(run.stdout()).not.toContain('lab folder');
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      taken.close();
    }
  }, 60_000);

  it('cleans up every process and the lab folder on Ctrl-C in the middle of a promotion', async () => {
    const { ports, args } = await portArgs();
    // Cold: a gateway being launched when Ctrl-C comes is the hardest case to clean up.
    const run = startDrill([...args, '--standby', 'cold']);
    await run.waitForOutput(/standby gateway starting/, 120_000);
    // Mid-start: the standby gateway is launched but not ready yet.
    await new Promise((r) => setTimeout(r, 2000));
    // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
    process.kill(-(run.child.pid as number), 'SIGINT');
    const exit = await run.exited;
    const stdout = run.stdout();
    // The drill exits 130; npm, which got the same SIGINT, then ends by that signal.
    expect(exit, `${stdout}\n${run.stderr()}`).toEqual({ code: null, signal: 'SIGINT' });
    expect(stdout).toContain('Ctrl-C: stopping the drill');
    expect(stdout).toMatch(/cleanup: all lab processes stopped/);
    expect(stdout).not.toContain('standby ACTIVE');
    await expectNothingLeft(stdout, ports);
  }, 180_000);
});
