// While standby, the workspace is fetched every workspace.fetchIntervalSeconds, so that a
// promotion with the remote unreachable (it may have died with the primary) starts from a copy at
// most that old, not from the deploy's clone. Only after an `up` probe: with the primary failing a
// promotion may be near, and its pull must not queue behind a fetch (the workspace runs one git
// command sequence at a time). A failure is logged once per cause; status shows the last fetch.
import type { Health, Role } from './core/model.js';
import { FailureStreak } from './failure-streak.js';
import type { Logger } from './log.js';
import type { WorkspaceSync } from './workspace.js';

/** Epoch seconds: when the last fetch worked, and when the newest commit it brought was made. */
export interface WorkspaceFreshness {
  fetchedAt?: number;
  newestCommitAt?: number;
  /** The failure of the fetches since the last good one. */
  lastError?: string;
}

export class WorkspaceRefresh {
  readonly #log: Logger;
  readonly #clock: () => number;
  #inFlight = false;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  /** The last fetch that worked. */
  #fetched: Omit<WorkspaceFreshness, 'lastError'> = {};
  readonly #failures = new FailureStreak();

  constructor(log: Logger, clock: () => number) {
    this.#log = log;
    this.#clock = clock;
  }

  get freshness(): WorkspaceFreshness {
    const failing = this.#failures.current;
    return failing ? { ...this.#fetched, lastError: failing.cause } : this.#fetched;
  }

  /** After each probe: starts a fetch in the background when one is due. */
  afterProbe(
    role: Role,
    health: Health,
    workspace: WorkspaceSync | undefined,
    intervalSeconds: number,
  ): void {
    if (!workspace || intervalSeconds === 0 || role !== 'standby' || health !== 'up' || this.#inFlight)
      return;
    const now = this.#clock();
    if (now - this.#lastAttempt < intervalSeconds) return;
    this.#lastAttempt = now;
    this.#inFlight = true;
    workspace
      .fetch()
      .then(
        ({ newestCommitAt }) => {
          if (this.#failures.succeeded()) this.#log.info({ event: 'workspace-fetch-recovered' });
          this.#fetched = { fetchedAt: this.#clock(), newestCommitAt };
        },
        (err: Error) => {
          if (this.#failures.failed(err.message)) {
            this.#log.warn({ event: 'workspace-fetch-failed', error: err.message });
          }
        },
      )
      .finally(() => {
        this.#inFlight = false;
      });
  }
}
