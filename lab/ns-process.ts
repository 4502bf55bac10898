// A process running inside a network namespace (`ip netns exec`, which execs: the child's pid is
// the process itself, so SIGKILL and SIGSTOP reach it and not a wrapper). Its stdout JSON lines are
// collected as they come; its stdin takes commands (the primary stand-in's modes, the proxy's delay).
import { JsonLinesProcess } from './json-lines-process.js';

export class NsProcess extends JsonLinesProcess {
  constructor(
    readonly netns: string,
    argv: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    super('ip', ['netns', 'exec', netns, ...argv], env, 'pipe');
    // A process killed on purpose closes its stdin under us: that is not an error.
    this.child.stdin?.on('error', () => undefined);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`could not start a process in ${this.netns}`);
    return this.child.pid;
  }

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
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
