// A process running inside a network namespace (`ip netns exec`, which execs: the child's pid is
// the process itself, so SIGKILL and SIGSTOP reach it and not a wrapper). Its stdout JSON lines are
// collected as they come; its stdin takes commands (the primary stand-in's modes, the proxy's delay).
import { type ChildProcess, spawn } from 'node:child_process';
import type { LogLine } from '../support/bundle.js';

export class NsProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** Whatever was not a JSON line: stderr and stray stdout, for failure messages. */
  output = '';
  readonly exited: Promise<void>;

  constructor(
    readonly netns: string,
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn('ip', ['netns', 'exec', netns, ...argv], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let partial = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as LogLine);
        } catch {
          this.output += `${line}\n`;
        }
      }
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk;
    });
    // A process killed on purpose closes its stdin under us: that is not an error.
    this.child.stdin?.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`could not start a process in ${this.netns}`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(name: string): LogLine[] {
    return this.lines.filter((l) => l.event === name);
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** Resolves with the first line matching; rejects after timeoutMs, or when the process exits, with what it said. */
  async waitFor(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find(match);
      if (hit) return hit;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `no matching line from ${this.child.spawnargs.slice(4).join(' ')} within ${timeoutMs} ms ` +
        `(running: ${this.running})\n${this.output}\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`,
    );
  }

  /** Waits for the `nth` (0-based) transition into `to`. */
  waitForTransition(to: string, timeoutMs: number, nth = 0): Promise<LogLine> {
    const into = (l: LogLine) => l.event === 'transition' && l.to === to;
    return this.waitFor((l) => into(l) && this.lines.filter(into).indexOf(l) === nth, timeoutMs);
  }

  async kill(): Promise<void> {
    if (this.running) {
      // A stopped process must be continued to die promptly and be reaped.
      process.kill(this.pid, 'SIGKILL');
      process.kill(this.pid, 'SIGCONT');
    }
    await this.exited;
  }
}
