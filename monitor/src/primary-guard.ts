// The duplicate-bot guard, on the primary's side. The standby's bot must never run anywhere else:
// two gateways polling one Telegram token are answered 409 Conflict by turns, and the owner's DMs
// are answered by either or by neither. So before the standby's bot starts, the primary is asked
// which bots it runs: `channels.status` with `probe: true` over its admin RPC (the primary's
// gateway token is the bearer), where OpenClaw's Telegram probe calls getMe and reports each
// enabled account's bot id. A promotion is refused while the primary runs this standby's bot (the
// id is the token's part before ':', which is not secret). A primary that does not answer is no
// objection: a dead primary runs no bot. The same question is asked now and then while standby,
// so that a primary configured with the standby's bot is told at once, not at the failover.
import type { MonitorConfig } from './config.js';
import { AdminRpc } from './gateway/admin-rpc.js';

/**
 * clear: the primary answered and runs another bot or none. duplicate: it runs this standby's bot.
 * no-answer: it did not answer (down, starting): no objection. unreadable: it answered, but not so
 * that the guard can tell (a wrong token, the admin-http-rpc plugin off): no objection, but the
 * guard is not working and says so.
 */
export type GuardVerdict =
  | { verdict: 'clear' }
  | { verdict: 'duplicate'; detail: string }
  | { verdict: 'no-answer'; detail: string }
  | { verdict: 'unreadable'; detail: string };

/** A checked verdict, and when (epoch seconds). */
export type GuardCheck = GuardVerdict & { at: number };

type StandbyBot = NonNullable<MonitorConfig['standbyBot']>;

/** OpenClaw's least probe timeout; Telegram's getMe answers well within it. */
const PROBE_TIMEOUT_MS = 1000;

/** The bot ids the primary's enabled accounts of `channel` report, from a channels.status answer. */
export function botIdsOf(body: unknown, channel: string): { accountId: string; botId: string }[] {
  const { ok, payload, error } = (body ?? {}) as {
    ok?: unknown;
    payload?: { channelAccounts?: unknown };
    error?: { message?: unknown };
  };
  // A primary with no such channel configured at all has not loaded its plugin (measured).
  if (ok === false && String(error?.message).startsWith('unknown channel')) return [];
  if (ok !== true || typeof payload !== 'object' || payload === null)
    throw new Error(`did not answer {ok: true, payload}: ${JSON.stringify(body).slice(0, 200)}`);
  const accounts = (payload.channelAccounts ?? {}) as Record<string, unknown>;
  const list = accounts[channel];
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`channelAccounts.${channel} is not a list`);
  return list.flatMap((entry: unknown) => {
    const a = (entry ?? {}) as { accountId?: unknown; enabled?: unknown; probe?: { bot?: { id?: unknown } } };
    const id = a.probe?.bot?.id;
    if (a.enabled === false || (typeof id !== 'number' && typeof id !== 'string')) return [];
    return [{ accountId: typeof a.accountId === 'string' ? a.accountId : 'default', botId: String(id) }];
  });
}

export class PrimaryGuard {
  readonly #rpc: AdminRpc;
  readonly #bot: StandbyBot;

  constructor(primary: MonitorConfig['primary'] & { tokenFile: string }, bot: StandbyBot) {
    // The probe's own bound, plus the second OpenClaw's getMe may take.
    this.#rpc = new AdminRpc(
      primary.url,
      primary.tokenFile,
      primary.timeoutSeconds * 1000 + PROBE_TIMEOUT_MS,
    );
    this.#bot = bot;
  }

  /** Asks the primary; never throws. */
  async check(): Promise<GuardVerdict> {
    const { channel, id } = this.#bot;
    try {
      const answer = await this.#rpc.call('channels.status', {
        channel,
        probe: true,
        timeoutMs: PROBE_TIMEOUT_MS,
      });
      if (!answer.reachable) return { verdict: 'no-answer', detail: answer.detail };
      const same = botIdsOf(answer.body, channel).filter((a) => a.botId === id);
      if (same.length === 0) return { verdict: 'clear' };
      const accounts = same.map((a) => a.accountId).join(', ');
      return {
        verdict: 'duplicate',
        detail: `the primary runs this standby's ${channel} bot (id ${id}, account ${accounts}): give the standby its own bot, or disable this one on the primary`,
      };
    } catch (err) {
      return { verdict: 'unreadable', detail: (err as Error).message };
    }
  }
}

/** The guard where it can work: the primary's token (the RPC's bearer) and the standby's bot are both configured. */
export function createPrimaryGuard(config: MonitorConfig): PrimaryGuard | undefined {
  const { primary, standbyBot } = config;
  if (standbyBot === undefined || primary.tokenFile === undefined) return undefined;
  return new PrimaryGuard({ ...primary, tokenFile: primary.tokenFile }, standbyBot);
}
