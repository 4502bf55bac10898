// Probes this machine could not make (probe.ts Unprobed). The daemon keeps them from the decision
// core, so they change no role and no failure count; what is kept here is for the operator: one
// `probe-error` per cause at error level (a standby that cannot probe cannot fail over either, so
// someone has to look), a `probe-recovered` when probing works again, and a total for status and
// /metrics. The total is this process's own, from 0 at each start, as a Prometheus counter may be.
import type { Role } from './core/model.js';
import { FailureStreak } from './failure-streak.js';
import type { Logger } from './log.js';
import type { Unprobed } from './probe.js';

export interface ProbeErrors {
  /** Probes not made since the monitor started. */
  total: number;
  /** While probes are not being made: the latest cause, since when, and how many so far. */
  current?: { code: string; since: string; probes: number };
}

export class UnprobedLog {
  readonly #log: Logger;
  #total = 0;
  readonly #streak = new FailureStreak();

  constructor(log: Logger) {
    this.#log = log;
  }

  /** A probe this machine could not make. */
  failed(result: Unprobed, role: Role): void {
    this.#total++;
    // Every interval would bury the log in copies of one cause: only a new cause is news.
    if (!this.#streak.failed(result.code)) {
      this.#log.debug({ event: 'probe', health: result.health, detail: result.detail });
      return;
    }
    this.#log.error({ event: 'probe-error', code: result.code, detail: result.detail, role });
  }

  /** A probe was made, whatever the primary answered: the shortage, if there was one, is over. */
  probed(role: Role): void {
    const ended = this.#streak.succeeded();
    if (!ended) return;
    const seconds = Math.round((Date.now() - ended.since) / 100) / 10;
    this.#log.info({ event: 'probe-recovered', code: ended.cause, unprobed: ended.failures, seconds, role });
  }

  get errors(): ProbeErrors {
    const s = this.#streak.current;
    return {
      total: this.#total,
      ...(s && { current: { code: s.cause, since: new Date(s.since).toISOString(), probes: s.failures } }),
    };
  }
}
