// How the daemon saves every new state. A failing save (ENOSPC, EACCES…) keeps the last good file
// on disk and the loop going with the state in memory, saved again at the next change: the
// failure is logged once per cause, and the first good save after it once.
import type { State } from './core/model.js';
import { FailureStreak } from './failure-streak.js';
import type { Logger } from './log.js';
import type { StateStore } from './store.js';

export class StateSaver {
  readonly #store: StateStore;
  readonly #log: Logger;
  readonly #file: string;
  readonly #failures = new FailureStreak();

  constructor(store: StateStore, log: Logger, file: string) {
    this.#store = store;
    this.#log = log;
    this.#file = file;
  }

  save(state: State): void {
    try {
      this.#store.save(state);
    } catch (err) {
      const error = (err as Error).message;
      if (this.#failures.failed(error))
        this.#log.error({ event: 'state-save-failed', file: this.#file, error });
      return;
    }
    if (this.#failures.succeeded()) this.#log.info({ event: 'state-saved', file: this.#file });
  }
}
