import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import type { NotifyEvent } from '../../monitor/src/core/model.js';
import { OWNER_DM_EVENTS } from '../../monitor/src/defaults.js';
import { createLogger } from '../../monitor/src/log.js';
import { createNotifier } from '../../monitor/src/notify.js';

describe('webhook notifications', () => {
  const received: { path: string; body: Record<string, unknown> }[] = [];
  let base = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (req.url === '/hang') return; // never answers
      received.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.writeHead(req.url === '/broken' ? 500 : 204).end();
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('posts the event to every target with text for Slack-style and content for Discord hooks', async () => {
    const targets = ['/a', '/b'].map((p) => ({ type: 'webhook' as const, url: base + p, timeoutSeconds: 2 }));
    await createNotifier(targets, 'standby-1', createLogger('silent')).send({
      event: 'promoting',
      message: 'promoting the standby: primary down',
      role: 'promoting',
    });
    expect(received.map((r) => r.path).sort()).toEqual(['/a', '/b']);
    expect(received[0]?.body).toMatchObject({
      event: 'promoting',
      host: 'standby-1',
      role: 'promoting',
      text: '[openclaw-failover standby-1] promoting the standby: primary down',
      content: '[openclaw-failover standby-1] promoting the standby: primary down',
    });
  });

  it('never rejects and never waits past the timeout when a hook fails or hangs', async () => {
    const targets = [
      { type: 'webhook' as const, url: `${base}/hang`, timeoutSeconds: 0.3 },
      { type: 'webhook' as const, url: `${base}/broken`, timeoutSeconds: 2 },
      { type: 'webhook' as const, url: 'http://127.0.0.1:1/refused', timeoutSeconds: 2 },
    ];
    const started = performance.now();
    await expect(
      createNotifier(targets, 'h', createLogger('silent')).send({
        event: 'stop-failed',
        message: 'm',
        role: 'active',
      }),
    ).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('owner DMs through the standby’s own Telegram bot', () => {
  const TOKEN = '7000001:owner-dm-test-token-0123456789';
  let api: TelegramBotApi;
  let tokenFile: string;
  beforeAll(async () => {
    api = await TelegramBotApi.start();
    api.addBot(TOKEN, 'standby_bot');
    tokenFile = join(mkdtempSync(join(tmpdir(), 'owner-dm-')), 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o640 });
  });
  afterAll(() => api.close());

  const target = (over: Partial<{ events: NotifyEvent[]; apiRoot: string }> = {}) => ({
    type: 'telegram' as const,
    tokenFile,
    chatIds: ['4242', '4343'],
    apiRoot: api.apiRoot,
    events: [...OWNER_DM_EVENTS],
    timeoutSeconds: 2,
    ...over,
  });

  it('DMs every owner on the events it is for, and only those', async () => {
    const notifier = createNotifier([target()], 'standby-1', createLogger('silent'));
    await notifier.send({
      event: 'promoting',
      message: 'promoting the standby: primary down',
      role: 'promoting',
    });
    await notifier.send({ event: 'active', message: 'the standby gateway is serving', role: 'active' });
    for (const owner of [4242, 4343]) {
      expect(api.messages(TOKEN, owner).map((m) => m.text)).toEqual([
        '[openclaw-failover standby-1] the standby gateway is serving',
      ]);
    }
  });

  it("checks the bot's own token (read once, with the DMs'), where a telegram target is configured", async () => {
    expect(await createNotifier([target()], 'h', createLogger('silent')).botTokenCheck?.()).toBeUndefined();
    const revoked = join(dirname(tokenFile), 'revoked');
    writeFileSync(revoked, '7000001:revoked-test-token-0123456789\n', { mode: 0o640 });
    const check = createNotifier(
      [{ ...target(), tokenFile: revoked }],
      'h',
      createLogger('silent'),
    ).botTokenCheck;
    expect(await check?.()).toMatch(/Telegram refused the standby bot's token \(HTTP 401/);
    expect(createNotifier([], 'h', createLogger('silent')).botTokenCheck).toBeUndefined();
  });

  it('never rejects, never logs the token, and names a missing token file at creation', async () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => lines.push(line) });
    // Nothing listens on port 9: the send fails fast, and is only logged.
    await createNotifier([target({ apiRoot: 'http://127.0.0.1:9' })], 'h', log).send({
      event: 'active',
      message: 'm',
      role: 'active',
    });
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { event: 'notify-failed', target: 'telegram http://127.0.0.1:9' },
    ]);
    expect(lines.join('\n')).not.toContain(TOKEN.split(':')[1]);
    expect(() =>
      createNotifier([{ ...target(), tokenFile: '/nonexistent/token' }], 'h', createLogger('silent')),
    ).toThrow(/^notify\[0\]\.tokenFile: cannot read a token from \/nonexistent\/token/);
  });
});
