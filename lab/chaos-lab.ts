// One failover pair in namespaces: the primary stand-in process (optionally behind the delay proxy)
// and the workspace's git remote on the primary's host; the built monitor bundle with a fake gateway
// and a clone of the workspace on the standby's host. `destroy()` removes all of it, also after a
// failed test: every process it started lives in one of its two namespaces.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stateFromFile } from '../monitor/src/state-file.js';
import type { Status } from '../monitor/src/status.js';
import { BUNDLE } from './bundle.js';
import { GitRemote } from './git-remote.js';
import {
  type ConfigFiles,
  type GatewayOptions,
  PRIMARY_PORT,
  PROXY_PORT,
  STATUS_LISTEN,
  type Timings,
  WRITTEN_FILE,
  writeMonitorConfig,
} from './monitor-config.js';
import { NetnsPair, PRIMARY_IP, WITNESS_IP } from './netns.js';
import { NsProcess } from './ns-process.js';

const PRIMARY_SCRIPT = fileURLToPath(new URL('./primary-process.ts', import.meta.url));
const PROXY_SCRIPT = fileURLToPath(new URL('./delay-proxy.ts', import.meta.url));
const STARTUP_TIMEOUT_MS = 10_000;
const WITNESS_PORT = 2222;

export interface LabOptions {
  timings: Timings;
  gateway?: GatewayOptions;
  /** A git remote across the link and a workspace clone for the monitor (default true). */
  workspace?: boolean;
  /** Put the delay proxy, starting at this many ms each way, between the standby and the primary. */
  proxyDelayMs?: number;
  /** A witness for the standby's self-check, on its own link (NetnsPair.addWitnessLink). */
  witness?: boolean;
}

/** The parts of `openclaw-failover status --json` the scenarios assert on. */
export type MonitorStatus = Pick<Status, 'role' | 'counters' | 'unpushed'>;

/** Sends a command line and waits for the process to acknowledge it with an `ack` event. */
async function tell(target: NsProcess, line: string, ack: string): Promise<void> {
  const seen = target.events(ack).length;
  target.send(line);
  await target.waitFor(() => target.events(ack).length > seen, STARTUP_TIMEOUT_MS);
}

export class ChaosLab {
  readonly files: ConfigFiles;
  readonly remote: GitRemote | undefined;
  readonly monitors: NsProcess[] = [];
  primary: NsProcess | undefined;
  proxy: NsProcess | undefined;
  witness: NsProcess | undefined;

  private constructor(
    readonly pair: NetnsPair,
    options: LabOptions,
  ) {
    this.remote =
      options.workspace === false ? undefined : new GitRemote(pair.dir, pair.primaryNs, pair.standbyNs);
    const workspace = this.remote && join(pair.dir, 'workspace');
    this.files = writeMonitorConfig(pair.dir, options.timings, {
      gateway: options.gateway,
      workspace,
      viaProxy: options.proxyDelayMs !== undefined,
      ...(options.witness ? { witnesses: [`${WITNESS_IP}:${WITNESS_PORT}`] } : {}),
    });
  }

  /** Namespaces, git remote, a healthy primary (and proxy); the monitor is started by the test. */
  static async create(options: LabOptions): Promise<ChaosLab> {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first`);
    const pair = NetnsPair.create();
    try {
      const lab = new ChaosLab(pair, options);
      if (lab.remote && lab.files.workspace) {
        await lab.remote.serve();
        lab.remote.cloneForStandby(lab.files.workspace);
      }
      await lab.startPrimary();
      if (options.witness) await lab.#startWitness();
      if (options.proxyDelayMs !== undefined) {
        const argv = [PRIMARY_IP, PROXY_PORT, PRIMARY_PORT, options.proxyDelayMs].map(String);
        lab.proxy = new NsProcess(pair.primaryNs, [process.execPath, PROXY_SCRIPT, ...argv]);
        await lab.proxy.waitFor((l) => l.event === 'listening', STARTUP_TIMEOUT_MS);
      }
      return lab;
    } catch (err) {
      pair.destroy();
      throw err;
    }
  }

  /** Starts (or restarts, after a kill) the primary stand-in, healthy. */
  async startPrimary(): Promise<void> {
    const argv = [process.execPath, PRIMARY_SCRIPT, String(PRIMARY_PORT)];
    this.primary = new NsProcess(this.pair.primaryNs, argv);
    await this.primary.waitFor((l) => l.event === 'listening', STARTUP_TIMEOUT_MS);
  }

  /** A TCP service at the witness's address that takes every connection (and closes it). */
  async #startWitness(): Promise<void> {
    this.pair.addWitnessLink();
    const serve = `require('node:net').createServer((s) => s.end()).listen(${WITNESS_PORT}, '${WITNESS_IP}', () => console.log('{"event":"listening"}'))`;
    this.witness = new NsProcess(this.pair.primaryNs, [process.execPath, '-e', serve]);
    await this.witness.waitFor((l) => l.event === 'listening', STARTUP_TIMEOUT_MS);
  }

  /** The primary stand-in's mode: `up`, `slow MS` or `flap DOWN_MS UP_MS`. */
  primaryMode(line: string): Promise<void> {
    return tell(this.requirePrimary(), line, 'mode');
  }

  /** The delay proxy's latency, each way, for data arriving from now on. */
  proxyDelay(ms: number): Promise<void> {
    if (!this.proxy) throw new Error('this lab has no delay proxy');
    return tell(this.proxy, `delay ${ms}`, 'delay');
  }

  requirePrimary(): NsProcess {
    if (!this.primary?.running) throw new Error('the primary stand-in is not running');
    return this.primary;
  }

  startMonitor(): NsProcess {
    const argv = [process.execPath, BUNDLE, 'run', '--config', this.files.configFile];
    const monitor = new NsProcess(this.pair.standbyNs, argv);
    this.monitors.push(monitor);
    return monitor;
  }

  /** `openclaw-failover status --json`, run where the status endpoint listens: the standby's loopback. */
  async status(): Promise<MonitorStatus> {
    const argv = ['netns', 'exec', this.pair.standbyNs, process.execPath, BUNDLE, 'status', '--json'];
    const { stdout } = await promisify(execFile)('ip', [...argv, '--listen', STATUS_LISTEN], {
      timeout: 10_000,
    });
    return JSON.parse(stdout) as MonitorStatus;
  }

  /** Waits until the monitor has made `count` more probes than when called; returns its probe total then. */
  async waitForProbes(count: number, timeoutMs: number): Promise<number> {
    // The counters as persisted after every probe: polling the status CLI would start a Node
    // process each time, a load that itself slows the probes down.
    const total = () => {
      const saved = JSON.parse(readFileSync(this.files.stateFile, 'utf8'));
      const { up, degraded, down } = stateFromFile(saved, 0).state.counters.probes;
      return up + degraded + down;
    };
    const target = total() + count;
    const deadline = Date.now() + timeoutMs;
    for (let seen = total(); seen < target; seen = total()) {
      if (Date.now() > deadline) throw new Error(`only ${seen} of ${target} probes within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return target;
  }

  /** Pids of every fake gateway started so far (each appends its pid when it starts). */
  gatewayStarts(): number[] {
    return readFileSync(this.files.startsFile, 'utf8').split('\n').filter(Boolean).map(Number);
  }

  /** The gateways still alive: never more than one may be. */
  liveGateways(): number[] {
    return this.gatewayStarts().filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return !/^\S+ \(.*\) [ZX] /.test(stat);
      } catch {
        return false;
      }
    });
  }

  /** What the last started gateway wrote into the workspace, as it must arrive on the remote. */
  lastGatewayWrite(): string {
    const pid = this.gatewayStarts().at(-1);
    if (pid === undefined) throw new Error('no gateway was ever started');
    return `written while active by pid ${pid}\n`;
  }

  /** Where the gateway's file is on the remote (main or failover/ branches). */
  remoteCopies(): { branch: string; content: string }[] {
    if (!this.remote) throw new Error('this lab has no workspace');
    return this.remote.find(WRITTEN_FILE);
  }

  async destroy(): Promise<void> {
    // Killing through the namespaces reaches the detached gateways too, which outlive a monitor.
    this.pair.destroy();
    await Promise.all([...this.monitors, this.primary, this.proxy, this.witness].map((p) => p?.exited));
  }
}
