// The built monitor bundle, run as a real child process with the same Node that runs the tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUNDLE = fileURLToPath(new URL('../../monitor/dist/openclaw-failover.mjs', import.meta.url));

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

export interface LogLine {
  event?: string;
  level?: string;
  [key: string]: unknown;
}

/** A running monitor (`run --config`), with its JSON log lines collected as they come. */
export class MonitorProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(configFile: string, env: NodeJS.ProcessEnv = process.env) {
    requireBundle();
    this.child = spawn(process.execPath, [BUNDLE, 'run', '--config', configFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) this.lines.push(JSON.parse(p) as LogLine);
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  events(name: string): LogLine[] {
    return this.lines.filter((l) => l.event === name);
  }

  /** Resolves with the first log line matching, or rejects after timeoutMs with what was logged. */
  async waitFor(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find(match);
      if (hit) return hit;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(
      `no matching log line within ${timeoutMs}ms; exit ${this.child.exitCode}; stderr: ${this.stderr}\n` +
        this.lines.map((l) => JSON.stringify(l)).join('\n'),
    );
  }

  /** The first transition into `to` (earlier ones count too: use waitFor for a later one). */
  waitForTransition(to: string, timeoutMs: number): Promise<LogLine> {
    return this.waitFor((l) => l.event === 'transition' && l.to === to, timeoutMs);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}
