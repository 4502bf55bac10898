// The primary for the droplet lab: a real OpenClaw gateway in the lab host's namespace, bound to
// its tailnet address (100.77.0.1, `bind: tailnet`) with token auth and its admin RPC on, as a
// user's primary is set up.
// Killed with SIGKILL to its whole process group, as when its server dies.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openclawBin, productionEnv } from '../openclaw.js';
import { PRIMARY_TAILNET_IP } from './network.js';

export class LabPrimary {
  #child: ChildProcess | undefined;
  readonly #env: NodeJS.ProcessEnv;

  constructor(
    readonly netns: string,
    readonly dir: string,
    readonly port: number,
    readonly token: string,
  ) {
    const stateDir = join(dir, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const configPath = join(dir, 'openclaw.json');
    const gateway = { mode: 'local', bind: 'tailnet', port, auth: { mode: 'token', token } };
    // Its admin RPC, as the README asks of a primary: the standby's duplicate-bot guard asks it.
    const plugins = { entries: { 'admin-http-rpc': { enabled: true } } };
    writeFileSync(configPath, JSON.stringify({ gateway, plugins }), { mode: 0o600 });
    this.#env = {
      ...productionEnv(),
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_CONFIG_PATH: configPath,
      OPENCLAW_SERVICE_REPAIR_POLICY: 'external',
    };
  }

  get url(): string {
    return `http://${PRIMARY_TAILNET_IP}:${this.port}`;
  }

  start(): void {
    const args = ['netns', 'exec', this.netns, openclawBin(), 'gateway', 'run', '--port', String(this.port)];
    const log = this.#logPath();
    this.#child = spawn('bash', ['-c', `exec "$@" >>${JSON.stringify(log)} 2>&1`, 'primary', 'ip', ...args], {
      env: this.#env,
      stdio: 'ignore',
      detached: true,
    });
  }

  /** Resolves once the primary answers /readyz 200 on its tailnet address (from its own namespace). */
  async waitReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (!this.running) throw new Error(`the primary exited; its log ends:\n${this.logTail()}`);
      const probe = spawn(
        'ip',
        ['netns', 'exec', this.netns, 'curl', '-sf', '-m', '2', `${this.url}/readyz`],
        {
          stdio: 'ignore',
        },
      );
      const code = await new Promise((resolve) => probe.on('exit', resolve));
      if (code === 0) return (Date.now() - started) / 1000;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the primary was not ready within ${timeoutMs} ms; its log ends:\n${this.logTail()}`);
  }

  #logPath(): string {
    return join(this.dir, 'gateway.log');
  }

  /** The last lines of the primary's own log, for a failure message. */
  logTail(lines = 30): string {
    try {
      return readFileSync(this.#logPath(), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (error) {
      return `(no log: ${(error as Error).message})`;
    }
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** kill -9 of the whole gateway (its process group), as when the server dies. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child?.pid || !this.running) return;
    const gone = new Promise((resolve) => child.on('exit', resolve));
    process.kill(-child.pid, 'SIGKILL');
    await gone;
  }
}
