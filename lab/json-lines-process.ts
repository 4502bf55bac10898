// A child process whose stdout is one JSON object a line (the monitor's logs, the lab's stand-ins):
// lines are collected as they come, anything else is kept as output for failure messages.
import { type ChildProcess, spawn } from 'node:child_process';

export interface LogLine {
  event?: string;
  level?: string;
  [key: string]: unknown;
}

export class JsonLinesProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  /** Whatever was not a JSON line: stderr and stray stdout. */
  output = '';
  readonly exited: Promise<number | null>;

  constructor(command: string, args: string[], env: NodeJS.ProcessEnv, stdin: 'ignore' | 'pipe' = 'ignore') {
    this.child = spawn(command, args, { env, stdio: [stdin, 'pipe', 'pipe'] });
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
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  events(name: string): LogLine[] {
    return this.lines.filter((l) => l.event === name);
  }

  /** Resolves with the first line matching; rejects after timeoutMs, or once the process is gone, with what it said. */
  async waitFor(match: (l: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const hit = this.lines.find(match);
      if (hit) return hit;
      if (!this.running) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(
      `no matching line from ${this.child.spawnargs.join(' ')} within ${timeoutMs} ms (running: ${this.running})\n` +
        `${this.output}\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}`,
    );
  }

  /** Waits for the `nth` (0-based) transition into `to`. */
  waitForTransition(to: string, timeoutMs: number, nth = 0): Promise<LogLine> {
    const into = (l: LogLine) => l.event === 'transition' && l.to === to;
    return this.waitFor((l) => into(l) && this.lines.filter(into).indexOf(l) === nth, timeoutMs);
  }
}
