// The lab on loopback: a private folder holding a primary OpenClaw gateway and a standby made of
// the built monitor plus a second OpenClaw gateway that the monitor's process manager runs, each
// with a Telegram channel on the lab's Bot API stand-in (scripts/drill/channels.ts); and the
// cleanup of all of it, which every way out of the drill goes through.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MonitorProcess } from '../../lab/bundle.js';
import { productionEnv, waitForReady } from '../../lab/openclaw.js';
import { isListening } from '../../lab/ports.js';
import { parseConfig } from '../../monitor/src/config.js';
import { createGatewayManager } from '../../monitor/src/gateway/manager.js';
import { DrillChannels, GATEWAY_TOKEN, type GatewayName } from './channels.js';
import {
  drillMonitorConfig,
  gatewayBlock,
  monitorFiles,
  STANDBY_START_TIMEOUT_SECONDS,
} from './monitor-config.js';
import { type DrillOptions, PORT_FLAGS, type Ports } from './options.js';
import { LAB_MARKER_ENV, labProcesses, stopGroups, sweepLab } from './processes.js';

const MONITOR_STOP_MS = 5000;
const GATEWAY_STOP_GRACE_MS = 5000;
const STRAGGLER_GRACE_MS = 3000;

const PORT_ROLES: Record<keyof Ports, string> = {
  primary: 'the primary gateway',
  standby: 'the standby gateway',
  status: "the monitor's status endpoint",
};

/** Fails fast, naming the port and its flag, when something already listens on a lab port. */
export async function assertPortsFree(ports: Ports): Promise<void> {
  for (const name of Object.keys(ports) as (keyof Ports)[]) {
    if (await isListening(ports[name])) {
      throw new Error(
        `port ${ports[name]} (${PORT_ROLES[name]}) is already in use on 127.0.0.1: ` +
          `stop what listens there or choose another port with ${PORT_FLAGS[name]} PORT`,
      );
    }
  }
}

export class Lab {
  readonly dir: string;
  readonly logs: { primary: string; standby: string; monitor: string; config: string };
  readonly statusUrl: string;
  readonly #files: ReturnType<typeof monitorFiles>;
  readonly #options: DrillOptions;
  #primary: ChildProcess | undefined;
  #primaryExit: string | undefined;
  #monitor: MonitorProcess | undefined;
  #channels: DrillChannels | undefined;
  #cleanup: Promise<string> | undefined;

  constructor(options: DrillOptions) {
    this.#options = options;
    // realpath: OpenClaw names its lock files after the real path of its database (see below).
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), 'failover-drill-')));
    this.#files = monitorFiles(this.dir);
    this.statusUrl = `http://127.0.0.1:${options.ports.status}/status`;
    const { logsDir } = options;
    this.logs = {
      primary: join(logsDir, 'primary-gateway.log'),
      standby: join(logsDir, 'standby-gateway.log'),
      monitor: join(logsDir, 'monitor.log'),
      config: join(logsDir, 'monitor-config.json'),
    };
    mkdirSync(logsDir, { recursive: true });
    // Only this run's lines: the gateway log is appended to by the process manager and restarts.
    for (const file of Object.values(this.logs)) writeFileSync(file, '');
  }

  /** Starts the Bot API and model stand-ins; before any gateway, which polls and calls them. */
  async startChannels(): Promise<DrillChannels> {
    this.#channels = await DrillChannels.start();
    return this.#channels;
  }

  get channels(): DrillChannels {
    if (!this.#channels) throw new Error('the chat stand-ins are not started');
    return this.#channels;
  }

  /**
   * A gateway's command and environment: a real OpenClaw gateway with its own bot on the
   * stand-ins, in a private folder, with TMPDIR inside it so that its temporary files go with the lab.
   */
  #gateway(name: GatewayName, port: number) {
    const dir = join(this.dir, name);
    const warm = name === 'standby' && this.#options.standbyMode === 'warm';
    const { command, env } = this.channels.gateway(
      name,
      dir,
      port,
      warm ? this.#files.channelSwitch : undefined,
    );
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    return { command, env: { ...env, TMPDIR: join(dir, 'tmp') } };
  }

  /** The standby gateway as the monitor's process manager runs it; the marker lets the sweep find it. */
  #standbyGateway() {
    const { command, env } = this.#gateway('standby', this.#options.ports.standby);
    return { command, env: { ...env, [LAB_MARKER_ENV]: this.dir }, logFile: this.logs.standby };
  }

  /**
   * A warm standby's gateway runs before the monitor, with its channel off: on the droplet
   * systemd starts it at boot. Here the monitor's own process manager starts it, with the pid
   * file the monitor's warm manager then finds. Resolves with its milliseconds to ready.
   */
  async startWarmStandby(): Promise<number> {
    mkdirSync(this.#files.dir, { recursive: true });
    writeFileSync(this.#files.gatewayToken, `${GATEWAY_TOKEN}\n`, { mode: 0o600 });
    const config = parseConfig({
      primary: { url: `http://127.0.0.1:${this.#options.ports.primary}` },
      gateway: gatewayBlock(this.#options, this.dir, this.#standbyGateway(), 'cold'),
      stateFile: this.#files.state,
    });
    const started = Date.now();
    await createGatewayManager(config.gateway, this.#files.dir).start();
    await waitForReady(this.#options.ports.standby, STANDBY_START_TIMEOUT_SECONDS * 1000);
    return Date.now() - started;
  }

  /**
   * Every lab process carries the marker, so that the final sweep finds what escaped a group.
   * Without vitest's variables (the e2e test runs the drill): OpenClaw would switch to test behaviour.
   */
  #env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { ...productionEnv(), ...extra, [LAB_MARKER_ENV]: this.dir };
  }

  /** Starts (or restarts) the primary, leading its own process group so one signal reaches all of it. */
  startPrimary(): void {
    const { command, env } = this.#gateway('primary', this.#options.ports.primary);
    const [bin = '', ...args] = command;
    const log = openSync(this.logs.primary, 'a');
    try {
      const child = spawn(bin, args, { env: this.#env(env), stdio: ['ignore', log, log], detached: true });
      this.#primaryExit = undefined;
      // Only the current primary counts: the one killed on purpose reports its exit late.
      child.once('error', (err) => {
        if (this.#primary === child) this.#primaryExit = `could not be started: ${err.message}`;
      });
      child.once('exit', (code, signal) => {
        if (this.#primary === child) {
          this.#primaryExit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        }
      });
      this.#primary = child;
    } finally {
      closeSync(log);
    }
  }

  /** Throws if the primary process is gone (outside the kill the drill itself does). */
  assertPrimaryRunning(): void {
    if (this.#primaryExit !== undefined) {
      throw new Error(`the primary gateway ${this.#primaryExit} (see ${this.logs.primary})`);
    }
  }

  /** Milliseconds until the primary's /readyz answers 200; throws early if the process dies. */
  async waitPrimaryReady(timeoutMs: number): Promise<number> {
    const ready = waitForReady(this.#options.ports.primary, timeoutMs);
    let settled = false;
    ready.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled) {
      this.assertPrimaryRunning();
      await sleep(100);
    }
    return ready;
  }

  /** SIGKILL to the primary's whole process group, as when its host dies; resolves once it is gone. */
  async killPrimary(): Promise<void> {
    const pid = this.#primary?.pid;
    if (pid === undefined) throw new Error('the primary is not running');
    this.#primary = undefined;
    await stopGroups([pid], 0);
  }

  /**
   * Starts the monitor (scripts/drill/monitor-config.ts). Both gateways' OpenClaw configs are the
   * droplet's renderOpenclawConfig plus the stand-ins' addresses; their lab-only tokens reach the
   * gateway through the block's env, as the droplet's unit passes the real ones.
   */
  startMonitor(): MonitorProcess {
    mkdirSync(this.#files.dir, { recursive: true });
    const config = drillMonitorConfig(this.#options, this.dir, this.#standbyGateway());
    writeFileSync(this.#files.config, config, { mode: 0o600 });
    copyFileSync(this.#files.config, this.logs.config);
    // Debug level adds the reason of each failed probe (e.g. ECONNREFUSED) to the log.
    const monitor = new MonitorProcess(this.#files.config, this.#env({ LOG_LEVEL: 'debug' }));
    monitor.child.stdout?.on('data', (chunk: string) => appendFileSync(this.logs.monitor, chunk));
    monitor.child.stderr?.on('data', (chunk: string) => appendFileSync(this.logs.monitor, chunk));
    this.#monitor = monitor;
    return monitor;
  }

  /** Stops every process and removes the lab folder; idempotent, so every exit path can call it. */
  cleanup(): Promise<string> {
    this.#cleanup ??= this.#clean();
    return this.#cleanup;
  }

  async #clean(): Promise<string> {
    const monitor = this.#monitor;
    // The monitor first, so that it cannot start a gateway while the rest goes down.
    if (monitor) {
      const stopped = await Promise.race([monitor.stop('SIGTERM'), sleep(MONITOR_STOP_MS, 'timeout')]);
      if (stopped === 'timeout') await monitor.stop('SIGKILL');
    }
    // A promoted (or warm) gateway outlives its monitor by design: find it through the pid file.
    const groups = [this.#primary?.pid, this.#standbyGatewayPid()].filter((p) => p !== undefined);
    await stopGroups(groups, GATEWAY_STOP_GRACE_MS);
    const swept = await sweepLab(this.dir, STRAGGLER_GRACE_MS);
    await this.#channels?.close();
    await this.#removeLockFiles();
    await rm(this.dir, { recursive: true, force: true });
    const left = await labProcesses(this.dir);
    if (left.length > 0) throw new Error(`lab processes ${left.join(', ')} are still running`);
    const sweptNote = swept === 0 ? '' : ` (${swept} of them with SIGKILL after the rest had gone)`;
    return `all lab processes stopped${sweptNote}; lab folder ${this.dir} removed`;
  }

  #standbyGatewayPid(): number | undefined {
    try {
      const { pid } = JSON.parse(readFileSync(this.#files.gatewayPid, 'utf8')) as { pid?: unknown };
      return typeof pid === 'number' ? pid : undefined;
    } catch {
      return undefined; // no gateway was started, or it was stopped: the monitor removes the file
    }
  }

  /**
   * OpenClaw keeps coordination lock files outside its state folder and TMPDIR, in
   * /tmp/openclaw-state-locks-<uid>/, named `<kind>.<first 8 hex of sha256(real path of its
   * database)>.lock.sqlite`. Those of the lab's two databases would pile up with every drill.
   * (Its daily log /tmp/openclaw/openclaw-<date>.log is shared by every gateway on the host and stays.)
   */
  async #removeLockFiles(): Promise<void> {
    const locks = `/tmp/openclaw-state-locks-${process.getuid?.() ?? 0}`;
    let names: string[];
    try {
      names = await readdir(locks);
    } catch {
      return;
    }
    for (const gateway of ['primary', 'standby']) {
      const database = join(this.dir, gateway, 'state', 'state', 'openclaw.sqlite');
      const suffix = `.${createHash('sha256').update(database).digest('hex').slice(0, 8)}.lock.sqlite`;
      for (const name of names.filter((n) => n.endsWith(suffix)))
        await rm(join(locks, name), { force: true });
    }
  }
}
