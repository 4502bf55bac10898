// The daemon: the only place where time passes. It feeds the pure decision core (core/step.ts)
// with probe results, action results and operator commands, persists every new state, and
// performs the actions through the injected adapters. Every call into the core happens
// synchronously in #dispatch(), so inputs never interleave; long actions (starting a gateway can
// take minutes) run in the background and come back as inputs, while probing and the systemd
// watchdog (watchdog.ts, pinging only while this loop makes progress) go on.
//
// Failure policy: no probe answer, command or filesystem state ends the daemon.
// - gateway.isRunning() throwing while active is a failed check: logged (gateway-check-failed),
//   the probe goes to the core without it, the loop goes on. At start it is fatal (below): no
//   decision can be made without knowing whether the gateway runs, and systemd retries in 5 s.
// - store.save throwing (ENOSPC, EACCES…) keeps the last good file and the loop going (state-saver.ts).
// - A probe this machine could not make (out of descriptors, memory, ports: probe.ts Unprobed)
//   is no answer from the primary: it never reaches the core (unprobed.ts logs and counts it).
// - Anything else (a bug) is fatal: a `fatal` event with the cause, then exit EX_SOFTWARE (70),
//   and systemd (Restart=always) starts a fresh monitor that reconciles with reality.
//
// Reload (SIGHUP, reload()): all or nothing (reload.ts), refused with one `config-reload-refused`
// event; applied, the new policy and adapters work from the next probe (an outage already counted
// still fails over on time), and an action under way finishes with the adapters it started with.
import type { MonitorConfig } from './config.js';
import { nextProbeSeconds } from './core/detector.js';
import type { Action, Input, NotifyEvent, Outcome, State } from './core/model.js';
import { makeStep } from './core/step.js';
import { type ActionContext, demote, promote, retryPush } from './failover-actions.js';
import { type GatewayManager, readinessOf } from './gateway/manager.js';
import type { Logger } from './log.js';
import type { ProbeResult } from './probe.js';
import { ProbeSchedule } from './probe-schedule.js';
import { inPlaceReload, type Reloadable } from './reload.js';
import type { SystemdNotifier } from './sd-notify.js';
import { StateSaver } from './state-saver.js';
import type { Observed } from './status.js';
import type { StateStore } from './store.js';
import { stallSeconds, startWatchdog } from './watchdog.js';
import { Watches } from './watches.js';
import { isolation } from './witnesses.js';

/** Exit code after an unexpected error (sysexits EX_SOFTWARE); systemd restarts the monitor. */
export const EX_SOFTWARE = 70;

export interface DaemonDeps extends Reloadable {
  gateway: GatewayManager;
  store: StateStore;
  systemd: SystemdNotifier;
  log: Logger;
  /** Epoch seconds: the time of every input given to the core. */
  clock?: () => number;
  /** Resolves once the started gateway is ready; default: waitReady on gateway.readyUrl. */
  gatewayReady?: (signal: AbortSignal) => Promise<unknown>;
  /** Ends the process after a fatal error; default: process.exit. */
  exit?: (code: number) => void;
  /** Reads and validates the config file again and builds its adapters; throws ConfigError. */
  reload: () => Reloadable;
}

export type Command = Extract<Input, { type: 'hold' | 'release' | 'drill' }>;

const epochSeconds = () => Date.now() / 1000;

export class Daemon {
  readonly #deps: DaemonDeps;
  readonly #clock: () => number;
  /** What a reload replaces, and the core bound to its policy. */
  #live: Reloadable;
  #step: ReturnType<typeof makeStep>;
  /** The config in force before the last reload, until the next tick: its stall bound still holds. */
  #previous: MonitorConfig | undefined;
  readonly #shutdown = new AbortController();
  readonly #schedule: ProbeSchedule;
  readonly #gatewayReady: (signal: AbortSignal) => Promise<unknown>;
  #state: State | undefined;
  #lastProbe: ProbeResult | undefined;
  readonly #watches: Watches;
  #loop: Promise<void> | undefined;
  readonly #saver: StateSaver;
  /** When the control loop last made progress (performance.now() ms), for the watchdog. */
  #lastTick = performance.now();
  #stopWatchdog: (() => void) | undefined;

  constructor(deps: DaemonDeps) {
    this.#deps = deps;
    this.#live = {
      config: deps.config,
      probe: deps.probe,
      notifier: deps.notifier,
      workspace: deps.workspace,
      guard: deps.guard,
    };
    this.#clock = deps.clock ?? epochSeconds;
    this.#step = makeStep(deps.config);
    this.#saver = new StateSaver(deps.store, deps.log, deps.config.stateFile);
    const notify = (event: NotifyEvent, message: string) => this.#perform({ type: 'notify', event, message });
    this.#watches = new Watches(deps.log, this.#clock, notify);
    // During a failing run the standby confirms at the confirm interval (core/detector.ts).
    this.#schedule = new ProbeSchedule(
      this.#shutdown.signal,
      () => nextProbeSeconds(this.#live.config, this.state) * 1000,
    );
    this.#gatewayReady = deps.gatewayReady ?? readinessOf(deps.config.gateway, deps.gateway);
  }

  get state(): State {
    if (!this.#state) throw new Error('the daemon has not started');
    return this.#state;
  }

  /** The last probe and what the watches saw (watches.ts). */
  get observed(): Observed {
    return this.#watches.observed(this.#lastProbe);
  }

  /** The config in force: the one started with, or the last reload's. */
  get config(): MonitorConfig {
    return this.#live.config;
  }

  /** Loads the saved state, reconciles it with the gateway's real state, and starts probing. */
  async start(): Promise<void> {
    const { store, gateway, log, systemd, config } = this.#deps;
    const { state, problem, migrated } = store.load(this.#clock());
    if (problem) log.warn({ event: 'state-reset', problem });
    if (migrated) log.info({ event: 'state-migrated', file: config.stateFile });
    this.#state = state;
    this.#dispatch({ type: 'start', gatewayRunning: await gateway.isRunning() });
    systemd.ready();
    this.#tick();
    this.#loop = this.#run().catch((err: unknown) => this.fatal(err));
    if (systemd.watchdogSeconds !== undefined) {
      this.#stopWatchdog = startWatchdog(systemd.watchdogSeconds, () => this.loopAlive(), systemd.watchdog);
    }
  }

  /** Whether the control loop made progress within the longest stall its schedule allows. */
  loopAlive(): boolean {
    const role = this.#state?.role ?? 'standby';
    const stall = Math.max(
      stallSeconds(this.#live.config, role),
      this.#previous ? stallSeconds(this.#previous, role) : 0,
    );
    return performance.now() - this.#lastTick <= stall * 1000;
  }

  #tick(): void {
    this.#lastTick = performance.now();
    this.#previous = undefined;
  }

  /**
   * Re-reads the config file and applies it in place, or refuses it (logged, the old config
   * kept) when it is unreadable, invalid, does not fit the watchdog or changes a restart-only key.
   */
  reload(): 'applied' | 'refused' {
    if (this.#shutdown.signal.aborted) return 'refused';
    const { log, systemd, reload } = this.#deps;
    const next = inPlaceReload(this.#live.config, reload, systemd.watchdogSeconds, log, this.#state?.role);
    if (!next) return 'refused';
    this.#previous = this.#live.config;
    this.#live = next;
    this.#step = makeStep(next.config);
    this.#schedule.wake();
    return 'applied';
  }

  /** Stops probing and leaves the gateway as it is: a promoted gateway keeps serving. */
  async stop(): Promise<void> {
    this.#shutdown.abort();
    this.#stopWatchdog?.();
    this.#deps.systemd.stopping();
    await this.#loop;
    if (this.#state) this.#saver.save(this.#state);
  }

  /** An unexpected error: logged with its cause, then the process exits for systemd to restart it. */
  fatal(err: unknown): void {
    const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.#deps.log.fatal({ event: 'fatal', error, role: this.#state?.role });
    this.#shutdown.abort();
    this.#stopWatchdog?.();
    (this.#deps.exit ?? process.exit)(EX_SOFTWARE);
  }

  /** Operator commands (hold, release, drill), answered with the outcome or the refusal. */
  command(input: Command): Outcome {
    return this.#dispatch(input);
  }

  #dispatch(input: Input): Outcome {
    const outcome = this.#step(this.state, input, this.#clock());
    if (outcome.state !== this.#state) {
      this.#state = outcome.state;
      this.#saver.save(outcome.state);
    }
    for (const action of outcome.actions) this.#perform(action);
    return outcome;
  }

  #perform(action: Action): void {
    const { log } = this.#deps;
    const { notifier } = this.#live;
    switch (action.type) {
      case 'log':
        log[action.level]({ event: action.event, ...action.fields });
        break;
      case 'notify':
        void notifier.send({ event: action.event, message: action.message, role: this.state.role });
        break;
      case 'promote':
        promote(this.#actionContext(), action).catch((err: unknown) => this.fatal(err));
        break;
      case 'demote':
        demote(this.#actionContext()).catch((err: unknown) => this.fatal(err));
        break;
      case 'push':
        retryPush(this.#actionContext()).catch((err: unknown) => this.fatal(err));
        break;
    }
  }

  /** The adapters in force now, for an action that starts now. */
  #actionContext(): ActionContext {
    return {
      gateway: this.#deps.gateway,
      workspace: this.#live.workspace,
      log: this.#deps.log,
      shutdown: this.#shutdown.signal,
      gatewayReady: this.#gatewayReady,
      report: (input) => this.#dispatch(input),
      notify: (event, message) => this.#perform({ type: 'notify', event, message }),
      // The admin RPC is on the port /readyz is: after a probe that got no answer at all, asking
      // would only wait out a dead primary's timeout, seconds added to the failover.
      guard: this.#lastProbe?.health === 'down' ? undefined : this.#live.guard,
      guardChecked: (verdict) => this.#watches.guardChecked(verdict),
      isolation: () =>
        isolation(this.#live.config.witnesses, this.#live.config.primary.timeoutSeconds * 1000),
    };
  }

  async #run(): Promise<void> {
    let due = performance.now();
    while (!this.#shutdown.signal.aborted) {
      await this.#probeOnce();
      due = await this.#schedule.next(due);
      if (this.#shutdown.signal.aborted) return;
      this.#tick();
    }
  }

  async #probeOnce(): Promise<void> {
    const result = await this.#live.probe();
    this.#lastProbe = result;
    this.#tick();
    // Fed to the core as `down`, a probe the standby could not make would promote it beside a
    // healthy primary; as no input, the failure count stays what the primary's answers made it.
    // While active, this also skips the gateway check and the drill's end: both wait for a probe.
    if (result.health === 'unprobed') return this.#watches.unprobed(result, this.state.role);
    // The local gateway is checked only while it should be serving.
    const gatewayRunning = this.state.role === 'active' ? await this.#checkGateway() : undefined;
    // The role again: a demotion may have begun during the check.
    const { role } = this.state;
    this.#watches.probed(role, role === 'active' ? this.#deps.gateway.duplicatePoller?.() : undefined);
    this.#tick();
    if (this.#shutdown.signal.aborted) return;
    if (result.health !== 'up') {
      this.#deps.log.debug({ event: 'probe', health: result.health, detail: result.detail });
    }
    this.#dispatch({ type: 'probe', health: result.health, failing: result.failing, gatewayRunning });
    this.#watches.afterProbe(this.state.role, result, this.#live);
  }

  /** Whether the gateway runs; undefined (no verdict) when the check itself failed. */
  async #checkGateway(): Promise<boolean | undefined> {
    try {
      return await this.#deps.gateway.isRunning();
    } catch (err) {
      this.#deps.log.warn({ event: 'gateway-check-failed', error: (err as Error).message });
      return undefined;
    }
  }
}
