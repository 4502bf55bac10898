// When the next probe is due: a fixed rate, not a fixed pause, so a slow probe does not stretch
// the interval. The interval is read again whenever the wait is woken (a reload), so a new
// checkIntervalSeconds applies to the probe being waited for, counted from the last one's due time.
import { setTimeout as sleep } from 'node:timers/promises';

export class ProbeSchedule {
  readonly #shutdown: AbortSignal;
  readonly #intervalMs: () => number;
  #wake = new AbortController();

  constructor(shutdown: AbortSignal, intervalMs: () => number) {
    this.#shutdown = shutdown;
    this.#intervalMs = intervalMs;
  }

  /** Ends the current wait early, to be computed again with the interval in force now. */
  wake(): void {
    this.#wake.abort();
  }

  /**
   * Waits until the probe after the one due at `due` is due, and returns when that is; returns
   * early when shutting down.
   */
  async next(due: number): Promise<number> {
    for (;;) {
      const next = Math.max(due + this.#intervalMs(), performance.now());
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      const signal = AbortSignal.any([this.#shutdown, this.#wake.signal]);
      try {
        await sleep(Math.max(0, next - performance.now()), undefined, { signal });
        return next;
      } catch {
        if (this.#shutdown.aborted) return next;
      }
    }
  }
}
