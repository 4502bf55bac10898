// `npm run drill`: see failover work on this machine before paying for a droplet. A real OpenClaw
// gateway is the primary; the standby is the built failover monitor plus a second real OpenClaw
// gateway; each gateway has a real Telegram channel with its own bot on the lab's Bot API and
// model stand-ins; all on loopback. The primary is killed and brought back while a live timeline shows
// what the standby does. Every process and temporary folder is cleaned up on success, on error
// and on Ctrl-C.
// An ES module (scripts/package.json), run by tsx.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureBundle } from './drill/bundle.js';
import { assertPortsFree, Lab } from './drill/lab.js';
import { type DrillOptions, parseOptions, USAGE, UsageError } from './drill/options.js';
import { failure, line, step } from './drill/output.js';
import { runScenario } from './drill/scenario.js';
import { describeTimings, printSummary } from './drill/summary.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EX_USAGE = 64;
const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

let lab: Lab | undefined;
/** Set once the drill is ending; later errors (processes dying under the cleanup) are noise. */
let ending = false;

function printHeader(options: DrillOptions, current: Lab): void {
  const { ports, timings } = options;
  line(
    'failover drill: a real OpenClaw primary and a standby (failover monitor + OpenClaw), Telegram bots on loopback',
  );
  line(`  primary gateway   127.0.0.1:${ports.primary}`);
  const waits =
    options.standbyMode === 'warm'
      ? 'running, its channel off until the monitor promotes'
      : 'started by the monitor when it promotes';
  line(`  standby gateway   127.0.0.1:${ports.standby} (${waits})`);
  line(`  monitor status    http://127.0.0.1:${ports.status}/status`);
  line(
    `  Telegram Bot API  ${current.channels.api.apiRoot} (stand-in; the primary and the standby each have a bot)`,
  );
  line(`  model provider    ${current.channels.model.baseUrl} (stand-in with a fixed reply)`);
  line(`  timings           ${options.seed ? "the seed's: " : ''}${describeTimings(timings)}`);
  line(`  lab folder        ${current.dir} (removed at the end)`);
  line(`  logs              ${options.logsDir}`);
}

function printLogs(current: Lab): void {
  line(`logs (kept): ${Object.values(current.logs).join(', ')}`);
}

async function drill(options: DrillOptions): Promise<void> {
  await assertPortsFree(options.ports);
  step(await ensureBundle(ROOT));
  lab = new Lab(options);
  await lab.startChannels();
  printHeader(options, lab);
  const measurements = await runScenario(lab, options);
  printSummary(measurements, options.timings, options.standbyMode);
  if (options.jsonFile !== undefined) {
    const { timings, standbyMode } = options;
    writeFileSync(options.jsonFile, `${JSON.stringify({ timings, standbyMode, measurements }, null, 2)}\n`);
  }
}

/** Cleans up (once, whoever asks first) and exits; a failed cleanup turns any exit code into 1. */
async function finish(code: number): Promise<never> {
  ending = true;
  let exitCode = code;
  if (lab) {
    try {
      line(`cleanup: ${await lab.cleanup()}`);
    } catch (err) {
      failure(`cleanup incomplete: ${(err as Error).message}`);
      exitCode = 1;
    }
    printLogs(lab);
  }
  process.exit(exitCode);
}

function fail(err: unknown): void {
  if (ending) return;
  failure(err instanceof Error ? err.message : String(err));
  void finish(1);
}

function main(): void {
  let options: DrillOptions | undefined;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    failure(err.message);
    process.stderr.write(`\n${USAGE}\n`);
    process.exit(EX_USAGE);
  }
  if (!options) {
    line(USAGE);
    return;
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      // A terminal's Ctrl-C can arrive twice (directly and relayed by tsx): one cleanup is enough.
      if (ending) return;
      line(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: stopping the drill`);
      void finish(SIGNAL_EXIT[signal]);
    });
  }
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  drill(options).then(() => finish(0), fail);
}

main();
