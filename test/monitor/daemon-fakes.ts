// In-process fakes around the Daemon: a scripted probe, a gateway, a store, systemd, a log sink
// and a config document for reloads, each recording what the daemon did with it, and a clock the
// test moves.
import { parseConfig } from '../../monitor/src/config.js';
import { initialState, type State } from '../../monitor/src/core/model.js';
import { Daemon, type DaemonDeps } from '../../monitor/src/daemon.js';
import type { GatewayManager } from '../../monitor/src/gateway/manager.js';
import { createLogger } from '../../monitor/src/log.js';
import type { Notification } from '../../monitor/src/notify.js';
import type { ProbeResult } from '../../monitor/src/probe.js';
import type { Observed } from '../../monitor/src/status.js';
import type { StateStore } from '../../monitor/src/store.js';

/** What a daemon has observed before its first probe: nothing. */
export const NOTHING_OBSERVED: Observed = {
  lastProbe: undefined,
  probeErrors: { total: 0 },
  workspace: {},
  duplicateBot: {},
  credentials: {},
};

export type LogLine = Record<string, unknown> & { event?: string; level: string };

export class FakeGateway implements GatewayManager {
  running = false;
  starts = 0;
  /** When set, isRunning() throws it. */
  checkError: Error | undefined;
  async start() {
    this.starts++;
    this.running = true;
  }
  async stop() {
    this.running = false;
  }
  async isRunning() {
    if (this.checkError) throw this.checkError;
    return this.running;
  }
  describe() {
    return 'fake gateway';
  }
}

export class FakeStore implements StateStore {
  saved: State[] = [];
  /** When set, save() throws it. */
  saveError: Error | undefined;
  constructor(private readonly initial?: State) {}
  load(now: number) {
    return { state: this.initial ?? initialState(now) };
  }
  save(state: State) {
    if (this.saveError) throw this.saveError;
    this.saved.push(state);
  }
}

export interface Harness {
  daemon: Daemon;
  /** The config document a reload reads: the one started with until a test changes it. */
  configFile: { document: Record<string, unknown> };
  gateway: FakeGateway;
  store: FakeStore;
  logs: LogLine[];
  notified: Notification[];
  exits: number[];
  systemd: string[];
  /**
   * The primary's health the probe answers, or `unprobed` with the local shortage `code` (default
   * EMFILE); `probeError` makes it reject, `hang` hold the answer back while set.
   */
  primary: { health: ProbeResult['health']; code?: string; probeError?: Error; hang?: boolean };
  probes: () => number;
  /** The fake epoch clock, in seconds: every call moves it on by one. */
  clockCalls: number[];
  events: (name: string) => LogLine[];
  until: (check: () => boolean, what: string) => Promise<void>;
}

/** A daemon probing every 20 ms with the default thresholds and a process gateway block. */
export function harness(
  overrides: Record<string, unknown> = {},
  deps: Partial<DaemonDeps> & { initial?: State; watchdogSeconds?: number } = {},
): Harness {
  const configFile = {
    document: {
      primary: { url: 'http://primary.invalid:1', timeoutSeconds: 0.05 },
      checkIntervalSeconds: 0.02,
      minActiveSeconds: 0,
      gateway: { manager: 'process', command: ['true'], readyUrl: 'http://127.0.0.1:1/readyz' },
      stateFile: '/nonexistent/state.json',
      ...overrides,
    } as Record<string, unknown>,
  };
  const config = parseConfig(configFile.document);
  const logs: LogLine[] = [];
  const sink = { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) };
  const gateway = new FakeGateway();
  const store = new FakeStore(deps.initial);
  const notified: Notification[] = [];
  const exits: number[] = [];
  const systemd: string[] = [];
  const primary: Harness['primary'] = { health: 'up' };
  const clockCalls: number[] = [];
  let now = 1_000_000;
  let probes = 0;
  const probe = async (): Promise<ProbeResult> => {
    probes++;
    if (primary.probeError) throw primary.probeError;
    while (primary.hang) await new Promise((r) => setTimeout(r, 10));
    if (primary.health === 'unprobed') {
      const code = primary.code ?? 'EMFILE';
      return { health: 'unprobed', code, detail: `could not probe (${code})`, latencyMs: 1 };
    }
    return { health: primary.health, failing: [], detail: primary.health, latencyMs: 1 };
  };
  const notifier = { send: async (n: Notification) => void notified.push(n) };
  const daemon = new Daemon({
    config,
    probe,
    gateway,
    notifier,
    reload: () => ({ config: parseConfig(configFile.document), probe, notifier }),
    store,
    systemd: {
      watchdogSeconds: deps.watchdogSeconds,
      ready: () => void systemd.push('ready'),
      watchdog: () => void systemd.push('watchdog'),
      stopping: () => void systemd.push('stopping'),
    },
    log: createLogger('debug', sink),
    clock: () => {
      now += 1;
      clockCalls.push(now);
      return now;
    },
    gatewayReady: async () => undefined,
    exit: (code) => void exits.push(code),
    ...deps,
  });
  return {
    daemon,
    configFile,
    gateway,
    store,
    logs,
    notified,
    exits,
    systemd,
    primary,
    probes: () => probes,
    clockCalls,
    events: (name) => logs.filter((l) => l.event === name),
    async until(check, what) {
      const deadline = Date.now() + 5000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}
