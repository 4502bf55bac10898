// The built monitor bundle, run as a real child process with the same Node that runs the tests.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JsonLinesProcess } from './json-lines-process.js';

export const BUNDLE = fileURLToPath(new URL('../monitor/dist/openclaw-failover.mjs', import.meta.url));

function requireBundle(): void {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
}

/** Runs a CLI verb to completion; asynchronously, so servers in the test process keep answering. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  requireBundle();
  const child = spawn(process.execPath, [BUNDLE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  return { code, stdout, stderr };
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
