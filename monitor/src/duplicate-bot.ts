// What the monitor knows of the standby's bot running anywhere else, from both ends:
// - the primary's answer to the duplicate-bot guard (primary-guard.ts), asked before every
//   promotion and, while standby with the primary up, every GUARD_RECHECK_SECONDS, so that a
//   primary configured with the standby's bot is told the day it happens, not at the failover it
//   would spoil;
// - while active, the standby's own channel: Telegram answers a second poller of one token 409
//   Conflict, which OpenClaw reports as the account's lastError (docs/platform-facts.md), and
//   readiness never shows. The warm manager reads it at every gateway check.
// Each becomes news once (an error event and a duplicate-bot notification) and a cleared event
// when it ends; status and /metrics show it while it lasts.
import type { Health, NotifyEvent, Role } from './core/model.js';
import type { Logger } from './log.js';
import type { GuardCheck, GuardVerdict, PrimaryGuard } from './primary-guard.js';

/** While standby: how often the primary is asked again. The answer costs it one getMe. */
export const GUARD_RECHECK_SECONDS = 600;

export interface DuplicateBot {
  /** The primary's last answer to the guard; absent when the guard is not configured or not asked yet. */
  primary?: GuardCheck;
  /** Set while the standby's own channel reports another poller of its bot. */
  poller?: { since: number; detail: string };
}

export class DuplicateBotWatch {
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #notify: (event: NotifyEvent, message: string) => void;
  #state: DuplicateBot = {};
  #asking = false;

  constructor(log: Logger, clock: () => number, notify: (event: NotifyEvent, message: string) => void) {
    this.#log = log;
    this.#clock = clock;
    this.#notify = notify;
  }

  get state(): DuplicateBot {
    return this.#state;
  }

  /** After each probe while standby: asks the primary in the background when it is up and a check is due. */
  afterProbe(role: Role, health: Health, guard: PrimaryGuard | undefined): void {
    if (!guard || role !== 'standby' || health !== 'up' || this.#asking) return;
    const last = this.#state.primary?.at;
    if (last !== undefined && this.#clock() - last < GUARD_RECHECK_SECONDS) return;
    this.#asking = true;
    void guard
      .check()
      .then((verdict) => this.checked(verdict, 'while standby'))
      .finally(() => {
        this.#asking = false;
      });
  }

  /** Records the primary's answer (a background check's, or a promotion's) and says what changed. */
  checked(verdict: GuardVerdict, when: 'while standby' | 'before promoting'): void {
    const before = this.#state.primary?.verdict;
    this.#state = { ...this.#state, primary: { ...verdict, at: this.#clock() } };
    if (verdict.verdict === before && verdict.verdict !== 'duplicate') return;
    switch (verdict.verdict) {
      case 'duplicate':
        this.#log.error({ event: 'duplicate-bot', source: 'primary', when, detail: verdict.detail });
        // A promotion's refusal is notified by the core, with the attempt; this is the early warning.
        if (before !== 'duplicate' && when === 'while standby') this.#notify('duplicate-bot', verdict.detail);
        break;
      case 'unreadable':
        this.#log.warn({ event: 'duplicate-guard-unreadable', when, detail: verdict.detail });
        break;
      case 'no-answer':
        this.#log.info({ event: 'duplicate-guard-no-answer', when, detail: verdict.detail });
        break;
      case 'clear':
        this.#log.info({
          event: before === 'duplicate' ? 'duplicate-bot-cleared' : 'duplicate-guard-clear',
          when,
        });
        break;
    }
  }

  /** After each gateway check while active: the channel's report of another poller, if any. */
  observePoller(conflict: string | undefined): void {
    const { poller } = this.#state;
    if (conflict !== undefined && poller === undefined) {
      this.#state = { ...this.#state, poller: { since: this.#clock(), detail: conflict } };
      this.#log.error({ event: 'duplicate-bot', source: 'channel', detail: conflict });
      this.#notify(
        'duplicate-bot',
        `another poller uses this standby's bot, so its DMs are answered by either or neither: ${conflict}. Stop whatever else runs this bot's token (the primary must run its own bot).`,
      );
    } else if (conflict === undefined && poller !== undefined) {
      const { poller: _ended, ...rest } = this.#state;
      this.#state = rest;
      this.#log.info({
        event: 'duplicate-bot-cleared',
        source: 'channel',
        seconds: this.#clock() - poller.since,
      });
    }
  }
}
