// Warm standby (gateway.standbyMode "warm"): the gateway process runs all the time (on the droplet
// its unit is enabled at boot; in the lab the process manager runs it) with its one channel off, so
// a promotion skips the gateway's cold start (20–40 s with a channel on 2 vCPU) and only switches
// the channel on (first poll 3.2–3.7 s after the write, docs/platform-facts.md).
//
// "Running", for the daemon, means "the channel serves": the channel, not the process, is what a
// promotion starts and a demotion stops. The truth is asked of the gateway itself (channels.status
// over its admin RPC), so a restarted monitor reconciles with what really polls.
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { AdminRpc, type ChannelAccount, type ChannelStatus } from './admin-rpc.js';
import { readSwitch, writeSwitch } from './channel-switch.js';
import type { GatewayManager } from './manager.js';

type WarmConfig = NonNullable<GatewayConfig['warm']>;

/**
 * How long start() and stop() wait between two channels.status calls. Not shorter: while any
 * gateway request is in flight (our own channels.status is one), OpenClaw holds a channel reload
 * back, re-checking every 500 ms for up to 5 minutes (docs/platform-facts.md). Polled every
 * 200 ms on a loaded machine, the switch's reload found ours in flight; a gap of twice that period
 * after each answer leaves it an idle moment in every round, however slowly the gateway answers.
 */
const POLL_MS = 1000;
/** A channel enabled in the config but not running gets an explicit channels.start this often. */
const START_NUDGE_MS = 5000;
/**
 * channels.status says `running: false` a moment before the polling worker is done: one more
 * getUpdates came 9 ms after it (measured, then aborted, nothing answered). A stop is confirmed
 * only once the channel has stayed stopped this long.
 */
const STOPPED_SETTLE_MS = 1000;

/**
 * A gateway whose running config still has the channel off this long after the switch was turned
 * on missed the switch: a gateway relaunched after a SIGKILL sometimes takes no write of it at all,
 * not even one a minute later (docs/platform-facts.md), where a reload takes 1–3 s. A restart reads
 * the switch afresh. At most a third of startTimeoutSeconds, so the restart has the rest.
 */
const SWITCH_MISSED_MS = 20_000;
/** A start still waiting this long says so in the log, with what the gateway answers, and again as often. */
const START_PROGRESS_LOG_MS = 10_000;

function describeStatus(status: ChannelStatus): string {
  if (!status.reachable) return status.detail;
  const a = status.account;
  const issues = status.issues.map((i) => `; gateway says: ${i}`).join('');
  if (a === undefined) return `channel not loaded${issues}`;
  const lifecycle = a.lifecycle ? ` (${a.lifecycle})` : '';
  const lastError = a.lastError ? `, last error: ${a.lastError}` : '';
  return `enabled ${a.enabled}, running ${a.running}${lifecycle}, connected ${a.connected}${lastError}${issues}`;
}

/**
 * The channel's report of another poller of its bot: Telegram answers all but one poller of a
 * token 409 Conflict, and OpenClaw keeps that as lastError while it cannot connect
 * ("Telegram getUpdates conflict: Conflict: terminated by other getUpdates request; …").
 */
export function conflictOf(account: ChannelAccount | undefined): string | undefined {
  if (!account?.lastError || account.connected) return undefined;
  return /\bconflict\b|\b409\b/i.test(account.lastError) ? account.lastError.slice(0, 300) : undefined;
}

export class WarmGatewayManager implements GatewayManager {
  readonly #cfg: GatewayConfig;
  readonly #warm: WarmConfig;
  /** Runs the gateway process itself: systemd on the droplet, a detached process in the lab. */
  readonly #process: GatewayManager;
  readonly #rpc: AdminRpc;
  readonly #log: Logger | undefined;
  #conflict: string | undefined;

  constructor(cfg: GatewayConfig, warm: WarmConfig, process: GatewayManager, log?: Logger) {
    this.#cfg = cfg;
    this.#warm = warm;
    this.#process = process;
    this.#rpc = new AdminRpc(cfg.readyUrl, warm.tokenFile);
    this.#log = log;
  }

  describe(): string {
    return `${this.#warm.channel} channel of ${this.#process.describe()} (warm standby)`;
  }

  /** Switches the channel on; resolves once the gateway runs it (bounded by startTimeoutSeconds). */
  async start(): Promise<void> {
    const { channel, switchFile } = this.#warm;
    // Normally running already; after a crash, or when the fallback of a stop could not restart it, not.
    if (!(await this.#process.isRunning())) await this.#process.start();
    await writeSwitch(switchFile, true);
    const switchedAt = performance.now();
    const deadline = switchedAt + this.#cfg.startTimeoutSeconds * 1000;
    let nudgedAt = switchedAt;
    let reportedAt = switchedAt;
    const missedAfter = Math.min(SWITCH_MISSED_MS, (this.#cfg.startTimeoutSeconds * 1000) / 3);
    let restarted = false;
    let last = 'no answer yet';
    for (;;) {
      if (!(await this.#process.isRunning()))
        throw new Error(
          `${this.#process.describe()} stopped while its ${channel} channel was starting (last: ${last})`,
        );
      const status = await this.#rpc.channelStatus(channel);
      const account = status.reachable ? status.account : undefined;
      if (account?.enabled && account.running) return;
      last = describeStatus(status);
      if (account?.enabled && performance.now() - nudgedAt >= START_NUDGE_MS) {
        nudgedAt = performance.now();
        await this.#rpc.startChannel(channel);
      }
      // Answering, not holding a reload back (that says so in its issues), and still off: missed.
      const missed = status.reachable && !account?.enabled && status.issues.length === 0;
      if (missed && !restarted && performance.now() - switchedAt >= missedAfter) {
        restarted = true;
        this.#log?.warn({ event: 'channel-switch-missed', gateway: this.#process.describe(), last });
        await this.#process.stop();
        await this.#process.start();
      }
      if (performance.now() >= deadline)
        throw new Error(
          `the ${channel} channel was not running ${this.#cfg.startTimeoutSeconds} s after it was switched on (last: ${last})`,
        );
      // A slow start says what it waits for while it waits, not only at the deadline.
      if (performance.now() - reportedAt >= START_PROGRESS_LOG_MS) {
        reportedAt = performance.now();
        this.#log?.warn({
          event: 'channel-start-waiting',
          gateway: this.#process.describe(),
          seconds: Math.round((reportedAt - switchedAt) / 1000),
          last,
        });
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Switches the channel off and waits until the gateway confirms it stopped. If that overruns
   * stopTimeoutSeconds (OpenClaw has hung stopping a channel without network), the gateway process
   * is stopped (SIGTERM, killed at the deadline) and started again: the switch is off, so it
   * comes back warm without the channel.
   */
  async stop(): Promise<void> {
    const { channel, switchFile } = this.#warm;
    await writeSwitch(switchFile, false);
    const deadline = performance.now() + this.#cfg.stopTimeoutSeconds * 1000;
    let last = 'no answer yet';
    let stoppedSince: number | undefined;
    for (;;) {
      if (!(await this.#process.isRunning())) return;
      const status = await this.#rpc.channelStatus(channel);
      if (status.reachable && status.account?.running !== true) {
        stoppedSince ??= performance.now();
        if (performance.now() - stoppedSince >= STOPPED_SETTLE_MS) return;
      } else stoppedSince = undefined;
      last = describeStatus(status);
      if (performance.now() >= deadline) break;
      await sleep(POLL_MS);
    }
    this.#log?.warn({
      event: 'channel-stop-overran',
      gateway: this.#process.describe(),
      seconds: this.#cfg.stopTimeoutSeconds,
      last,
    });
    await this.#process.stop();
    await this.#process.start();
  }

  /** Another poller of the channel's bot, as the last isRunning() found it. */
  duplicatePoller(): string | undefined {
    return this.#conflict;
  }

  /** Whether the channel serves, by the gateway's own account of it. */
  async isRunning(): Promise<boolean> {
    const { channel, switchFile } = this.#warm;
    const enabled = await readSwitch(switchFile);
    if (!(await this.#process.isRunning())) {
      // Nothing serves without the process. The switch goes off so that the process, when it
      // comes back (systemd restarts it, and starts it at boot), does not serve unasked.
      if (enabled) await writeSwitch(switchFile, false);
      return false;
    }
    const status = await this.#rpc.channelStatus(channel);
    // No answer (starting, busy): the process serves what its switch says once it answers.
    if (!status.reachable) return enabled;
    this.#conflict = conflictOf(status.account);
    // A switch just turned off may still be stopping: it serves until the gateway says not.
    return status.account?.running === true;
  }
}
