// What the daemon watches beside the decision core, after each probe: probes this machine could
// not make (unprobed.ts), the workspace's background fetch (workspace-refresh.ts), the standby's
// bot running elsewhere (duplicate-bot.ts) and credentials that stop working (credentials.ts).
// None of them changes a role; each tells the operator once and shows in status and /metrics.
import type { NotifyEvent, Role } from './core/model.js';
import { CredentialWatch } from './credentials.js';
import { DuplicateBotWatch } from './duplicate-bot.js';
import type { Logger } from './log.js';
import type { GuardVerdict } from './primary-guard.js';
import type { ProbeResult, Unprobed, Verdict } from './probe.js';
import type { Reloadable } from './reload.js';
import type { Observed } from './status.js';
import { UnprobedLog } from './unprobed.js';
import { WorkspaceRefresh } from './workspace-refresh.js';

export class Watches {
  readonly #unprobed: UnprobedLog;
  readonly #refresh: WorkspaceRefresh;
  readonly #duplicates: DuplicateBotWatch;
  readonly #credentials: CredentialWatch;

  constructor(log: Logger, clock: () => number, notify: (event: NotifyEvent, message: string) => void) {
    this.#unprobed = new UnprobedLog(log);
    this.#refresh = new WorkspaceRefresh(log, clock);
    this.#duplicates = new DuplicateBotWatch(log, clock, notify);
    this.#credentials = new CredentialWatch(log, clock, notify);
  }

  observed(lastProbe: ProbeResult | undefined): Observed {
    return {
      lastProbe,
      probeErrors: this.#unprobed.errors,
      workspace: this.#refresh.freshness,
      duplicateBot: this.#duplicates.state,
      credentials: this.#credentials.problems,
    };
  }

  /** A probe this machine could not make: no answer from the primary, so nothing else is watched. */
  unprobed(result: Unprobed, role: Role): void {
    this.#unprobed.failed(result, role);
  }

  /** A probe was made; `poller` is another poller of the active standby's bot, as its channel saw. */
  probed(role: Role, poller: string | undefined): void {
    this.#unprobed.probed(role);
    this.#duplicates.observePoller(poller);
  }

  /** After the core has the probe: the checks that run in the background, with the adapters in force. */
  afterProbe(role: Role, result: Verdict, live: Reloadable): void {
    const { workspace, config, guard, notifier } = live;
    this.#duplicates.afterProbe(role, result.health, guard);
    this.#refresh.afterProbe(role, result.health, workspace, config.workspace?.fetchIntervalSeconds ?? 0);
    this.#credentials.afterProbe(this.#refresh.freshness, notifier.botTokenCheck);
  }

  /** The duplicate-bot guard's answer before a promotion. */
  guardChecked(verdict: GuardVerdict): void {
    this.#duplicates.checked(verdict, 'before promoting');
  }
}
