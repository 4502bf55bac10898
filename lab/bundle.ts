// The built monitor bundle, run as a real child process with the same Node that runs the tests.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonLinesProcess } from './json-lines-process.js';
import { type ProcessResult, runToEnd } from './run-to-end.js';

export const BUNDLE = fileURLToPath(new URL('../monitor/dist/openclaw-failover.mjs', import.meta.url));

function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
}

/** Runs a CLI verb to completion; asynchronously, so servers in the test process keep answering. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ProcessResult> {
  requireBundle();
  return runToEnd([process.execPath, BUNDLE, ...args], { env, timeoutMs: 60_000 });
}

export type { LogLine } from './json-lines-process.js';

/** A running monitor (`run --config`), with its JSON log lines collected as they come. */
export class MonitorProcess extends JsonLinesProcess {
  constructor(configFile: string, env: NodeJS.ProcessEnv = process.env) {
    requireBundle();
    super(process.execPath, [BUNDLE, 'run', '--config', configFile], env);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }
}
