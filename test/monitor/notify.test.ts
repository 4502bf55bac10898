import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
