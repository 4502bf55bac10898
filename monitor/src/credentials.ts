// What the standby depends on that can stop working quietly between two failovers, and would
// then spoil the next one: the standby bot's token (revoked in BotFather: the promoted gateway
// answers nobody), the workspace deploy key (removed from the repository: the promotion serves a
// stale copy) and the standby's Tailscale node key (expired: the standby loses the primary and
// promotes beside it). Each is checked while nothing is wrong, so the owner hears of it the day it
// happens. A check that cannot tell (a network error) is no verdict: only a refusal of the
// credential itself, or a known expiry, is a problem. Each problem is news once (an error event
// and a notification) and a cleared event when it ends; status and /metrics show it meanwhile.
import { execFile } from 'node:child_process';
import type { NotifyEvent } from './core/model.js';
import type { Logger } from './log.js';
import type { WorkspaceFreshness } from './workspace-refresh.js';

export const CREDENTIALS = ['channel-token', 'workspace-key', 'tailnet-key'] as const;
export type Credential = (typeof CREDENTIALS)[number];

export interface CredentialProblem {
  /** Epoch seconds: when it was first seen. */
  since: number;
  detail: string;
}

/** How often the token and the node key are checked: a getMe, a local status call. */
export const CREDENTIAL_RECHECK_SECONDS = 3600;
/** A node key expiring within this many days is a problem already: a person has to act. */
export const KEY_EXPIRY_WARNING_DAYS = 14;

/** One check's verdict: undefined when the credential works, else what is wrong with it. */
export type Verdict = string | undefined;

/** A check of one credential; it throws when it cannot tell. */
export type Check = () => Promise<Verdict>;

const HINTS: Record<Credential, string> = {
  'channel-token':
    "the promoted gateway could not answer DMs: set the bot's current token (pulumi config set --secret channelToken, then pulumi up)",
  'workspace-key':
    'a promotion would serve the last copy fetched: give the deploy key access to the repository again, or set a new workspaceDeployKey',
  'tailnet-key':
    'once it expires the standby cannot reach the primary: disable key expiry for this device in the Tailscale admin console (Machines → … → Disable key expiry), or re-authenticate it',
};

/** git's words for a remote that refused who we are (not one that could not be reached). */
export function isGitAuthFailure(message: string): boolean {
  return /Permission denied \(publickey|Authentication failed|could not read Username|Repository not found|access denied|HTTP 40[13]\b/i.test(
    message,
  );
}

export class CredentialWatch {
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #notify: (event: NotifyEvent, message: string) => void;
  readonly #problems = new Map<Credential, CredentialProblem>();
  #lastCheck = Number.NEGATIVE_INFINITY;
  #checking = false;

  readonly #tailnetKey: Check;

  /** `tailnetKey` checks the standby's own node key; the local tailscale CLI's by default. */
  constructor(
    log: Logger,
    clock: () => number,
    notify: (event: NotifyEvent, message: string) => void,
    tailnetKey: Check = tailnetKeyCheck(clock),
  ) {
    this.#log = log;
    this.#clock = clock;
    this.#notify = notify;
    this.#tailnetKey = tailnetKey;
  }

  get problems(): Partial<Record<Credential, CredentialProblem>> {
    return Object.fromEntries(this.#problems);
  }

  /**
   * After each probe: the workspace's last fetch, and in the background when due the node key and
   * `channelToken`, the standby bot's token where one is configured (a telegram notify target's).
   */
  afterProbe(workspace: WorkspaceFreshness, channelToken: Check | undefined): void {
    const { lastError } = workspace;
    if (lastError !== undefined && isGitAuthFailure(lastError)) this.#report('workspace-key', lastError);
    else if (lastError === undefined && workspace.fetchedAt !== undefined)
      this.#report('workspace-key', undefined);

    if (this.#checking || this.#clock() - this.#lastCheck < CREDENTIAL_RECHECK_SECONDS) return;
    this.#lastCheck = this.#clock();
    this.#checking = true;
    const run = async (name: Credential, check: Check | undefined) => {
      if (!check) return;
      try {
        this.#report(name, await check());
      } catch (err) {
        this.#log.debug({
          event: 'credential-check-unknown',
          credential: name,
          error: (err as Error).message,
        });
      }
    };
    void Promise.all([run('channel-token', channelToken), run('tailnet-key', this.#tailnetKey)]).finally(
      () => {
        this.#checking = false;
      },
    );
  }

  #report(name: Credential, problem: Verdict): void {
    const known = this.#problems.get(name);
    if (problem !== undefined && known === undefined) {
      this.#problems.set(name, { since: this.#clock(), detail: problem });
      this.#log.error({ event: 'credential-failing', credential: name, detail: problem });
      this.#notify('credential-failing', `${name}: ${problem}; ${HINTS[name]}`);
    } else if (problem !== undefined && known !== undefined) {
      // Still the same problem, told once; status shows what it is now (a key's days left).
      known.detail = problem;
    } else if (problem === undefined && known !== undefined) {
      this.#problems.delete(name);
      this.#log.info({
        event: 'credential-recovered',
        credential: name,
        seconds: this.#clock() - known.since,
      });
    }
  }
}

/** Telegram's getMe with the bot's token: a 401 or 404 is the token refused (revoked or wrong). */
export function telegramTokenCheck(apiRoot: string, token: string, timeoutSeconds: number): Check {
  return async () => {
    const res = await fetch(`${apiRoot}/bot${token}/getMe`, {
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    const body = (await res.json().catch(() => ({}))) as { description?: string };
    if (res.status === 401 || res.status === 404) {
      return `Telegram refused the standby bot's token (HTTP ${res.status}${body.description ? ` ${body.description}` : ''})`;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return undefined;
  };
}

/** `tailscale status --json`: the node key's expiry (Self.KeyExpiry, absent when it never expires). */
export function tailnetKeyCheck(clock: () => number, command = 'tailscale'): Check {
  return async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(command, ['status', '--json'], { timeout: 10_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    const expiry = (JSON.parse(out) as { Self?: { KeyExpiry?: string } }).Self?.KeyExpiry;
    if (expiry === undefined) return undefined;
    const days = (Date.parse(expiry) / 1000 - clock()) / 86_400;
    if (Number.isNaN(days)) throw new Error(`unreadable KeyExpiry ${JSON.stringify(expiry)}`);
    if (days > KEY_EXPIRY_WARNING_DAYS) return undefined;
    return days <= 0
      ? `the standby's Tailscale node key expired at ${expiry}`
      : `the standby's Tailscale node key expires at ${expiry}, in ${days.toFixed(1)} days`;
  };
}
