// The duplicate-bot guard's pure parts: reading the primary's channels.status answer (its shape
// as the real gateway gives it, test/e2e/duplicate-bot.test.ts), the channel's 409 report, and
// what the watch logs and notifies.
import { describe, expect, it } from 'vitest';
import { DuplicateBotWatch, GUARD_RECHECK_SECONDS } from '../../monitor/src/duplicate-bot.js';
import type { ChannelAccount } from '../../monitor/src/gateway/admin-rpc.js';
import { conflictOf } from '../../monitor/src/gateway/warm.js';
import { createLogger } from '../../monitor/src/log.js';
import { botIdsOf, type GuardVerdict, type PrimaryGuard } from '../../monitor/src/primary-guard.js';

const answer = (accounts: unknown) => ({ ok: true, payload: { channels: {}, channelAccounts: accounts } });
const CONFLICT =
  'Telegram getUpdates conflict: Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';

describe('botIdsOf', () => {
  it('lists the bot id of each enabled account that the probe reached', () => {
    const body = answer({
      telegram: [
        {
          accountId: 'default',
          enabled: true,
          running: true,
          probe: { ok: true, bot: { id: 100007, username: 'x' } },
        },
        { accountId: 'second', enabled: true, running: false, probe: { ok: true, bot: { id: '42' } } },
        { accountId: 'off', enabled: false, probe: { ok: true, bot: { id: 7 } } },
        { accountId: 'unprobed', enabled: true, running: true },
      ],
    });
    expect(botIdsOf(body, 'telegram')).toEqual([
      { accountId: 'default', botId: '100007' },
      { accountId: 'second', botId: '42' },
    ]);
  });

  it('is empty when the primary runs no account of the channel, or has no such channel at all', () => {
    expect(botIdsOf(answer({}), 'telegram')).toEqual([]);
    const unknown = { ok: false, error: { code: 'INVALID_REQUEST', message: 'unknown channel: telegram' } };
    expect(botIdsOf(unknown, 'telegram')).toEqual([]);
    expect(botIdsOf(answer(undefined), 'telegram')).toEqual([]);
  });

  it.each([
    ['a refused call', { ok: false, error: { code: 'INVALID_REQUEST' } }],
    ['no payload', { ok: true }],
    ['not an object', 'nope'],
    ['accounts that are no list', answer({ telegram: { accountId: 'default' } })],
  ])('throws on %s', (_case, body) => {
    expect(() => botIdsOf(body, 'telegram')).toThrow();
  });
});

describe('conflictOf', () => {
  const account = (over: Partial<ChannelAccount>): ChannelAccount => ({
    enabled: true,
    running: true,
    connected: false,
    lastError: null,
    lifecycle: 'recovering',
    ...over,
  });

  it('reports a 409 Conflict while the channel cannot connect, and not once it is connected again', () => {
    expect(conflictOf(account({ lastError: CONFLICT }))).toBe(CONFLICT);
    expect(conflictOf(account({ lastError: 'Call to getUpdates failed! (409: Conflict)' }))).toMatch(/409/);
    expect(conflictOf(account({ lastError: CONFLICT, connected: true }))).toBeUndefined();
  });

  it('ignores other errors, no error and a channel never loaded', () => {
    expect(conflictOf(account({ lastError: 'fetch failed: ECONNREFUSED' }))).toBeUndefined();
    expect(conflictOf(account({}))).toBeUndefined();
    expect(conflictOf(undefined)).toBeUndefined();
  });
});

describe('DuplicateBotWatch', () => {
  function watch() {
    const logs: Record<string, unknown>[] = [];
    const notes: string[] = [];
    let now = 1000;
    const log = createLogger('debug', { write: (l: string) => logs.push(JSON.parse(l)) });
    const w = new DuplicateBotWatch(
      log,
      () => now,
      (event, message) => notes.push(`${event}: ${message}`),
    );
    return { w, logs, notes, advance: (s: number) => (now += s), events: () => logs.map((l) => l.event) };
  }
  const guardAnswering = (verdicts: GuardVerdict[]) => {
    const asked: number[] = [];
    const guard = {
      check: async () => {
        asked.push(asked.length);
        return verdicts[Math.min(asked.length - 1, verdicts.length - 1)] as GuardVerdict;
      },
    } as unknown as PrimaryGuard;
    return { guard, asked };
  };
  const settle = () => new Promise((r) => setTimeout(r, 0));

  it('asks the primary while standby and up, at most every GUARD_RECHECK_SECONDS, and notifies a duplicate once', async () => {
    const { w, notes, advance, events } = watch();
    const { guard, asked } = guardAnswering([{ verdict: 'duplicate', detail: 'the primary runs it' }]);
    w.afterProbe('standby', 'up', guard);
    await settle();
    w.afterProbe('standby', 'up', guard);
    await settle();
    expect(asked).toHaveLength(1);
    expect(w.state.primary).toEqual({ verdict: 'duplicate', detail: 'the primary runs it', at: 1000 });
    advance(GUARD_RECHECK_SECONDS);
    w.afterProbe('standby', 'up', guard);
    await settle();
    expect(asked).toHaveLength(2);
    expect(notes).toEqual(['duplicate-bot: the primary runs it']);
    // Loud in the log at every answer, once in notifications.
    expect(events().filter((e) => e === 'duplicate-bot')).toHaveLength(2);
  });

  it('never asks without a guard, while not standby, or with the primary not up', async () => {
    const { w } = watch();
    const { guard, asked } = guardAnswering([{ verdict: 'clear' }]);
    w.afterProbe('standby', 'up', undefined);
    w.afterProbe('active', 'up', guard);
    w.afterProbe('held', 'up', guard);
    w.afterProbe('standby', 'down', guard);
    w.afterProbe('standby', 'degraded', guard);
    await settle();
    expect(asked).toEqual([]);
  });

  it("a promotion's answer is recorded and logged, its notification left to the core's refusal", () => {
    const { w, notes, events } = watch();
    w.checked({ verdict: 'duplicate', detail: 'd' }, 'before promoting');
    expect(events()).toEqual(['duplicate-bot']);
    expect(notes).toEqual([]);
    w.checked({ verdict: 'clear' }, 'before promoting');
    expect(events()).toEqual(['duplicate-bot', 'duplicate-bot-cleared']);
  });

  it('logs a guard that cannot read the primary once per change, and a silent primary at info', () => {
    const { w, logs } = watch();
    w.checked({ verdict: 'unreadable', detail: 'HTTP 401' }, 'while standby');
    w.checked({ verdict: 'unreadable', detail: 'HTTP 401' }, 'while standby');
    w.checked({ verdict: 'no-answer', detail: 'ECONNREFUSED' }, 'before promoting');
    expect(logs.map((l) => [l.level, l.event])).toEqual([
      ['warn', 'duplicate-guard-unreadable'],
      ['info', 'duplicate-guard-no-answer'],
    ]);
  });

  it("raises the channel's 409 once, keeps it while it lasts, and clears it", () => {
    const { w, notes, events, advance } = watch();
    w.observePoller(undefined);
    w.observePoller(CONFLICT);
    advance(30);
    w.observePoller(CONFLICT);
    expect(w.state.poller).toEqual({ since: 1000, detail: CONFLICT });
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('another poller uses this standby');
    w.observePoller(undefined);
    expect(w.state.poller).toBeUndefined();
    expect(events()).toEqual(['duplicate-bot', 'duplicate-bot-cleared']);
  });
});
