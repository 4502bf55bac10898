// Something the daemon retries (a save, a fetch, a probe) may fail at every try for as long as a
// disk is full, a remote is gone or descriptors are used up: logging each try would bury the log
// in copies. A failure is news when its cause is new, and so is the first success after it. This
// keeps the streak; each user logs its own events from what it answers.

export interface Streak {
  /** The latest failure's cause. */
  cause: string;
  /** Failures since the last success. */
  failures: number;
  /** When the first of them happened (Date.now()). */
  since: number;
}

export class FailureStreak {
  #streak: Streak | undefined;

  /** The failures since the last success; undefined while nothing is failing. */
  get current(): Readonly<Streak> | undefined {
    return this.#streak;
  }

  /** Counts a failure; true when it is news: the first of a streak, or another cause than the last. */
  failed(cause: string): boolean {
    const last = this.#streak;
    this.#streak = { cause, failures: (last?.failures ?? 0) + 1, since: last?.since ?? Date.now() };
    return last?.cause !== cause;
  }

  /** A success: the streak it ends, to log the recovery from; undefined when none was going on. */
  succeeded(): Readonly<Streak> | undefined {
    const ended = this.#streak;
    this.#streak = undefined;
    return ended;
  }
}
