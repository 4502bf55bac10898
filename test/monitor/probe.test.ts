import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrimaryStandIn } from '../../lab/primary-stand-in.js';
import { ConfigError } from '../../monitor/src/config.js';
import { classify, createProbe } from '../../monitor/src/probe.js';

describe('probe of the primary /readyz', () => {
  const primary = new PrimaryStandIn();
  beforeAll(() => primary.start());
  afterAll(() => primary.stop());

  const probe = () => createProbe({ url: primary.url, timeoutSeconds: 0.5 })();

  it('is up on 200 {"ready":true}', async () => {
    primary.mode = 'up';
    expect(await probe()).toMatchObject({ health: 'up', failing: [] });
  });

  it('is degraded on 503 {"ready":false} and names the failing channels', async () => {
    primary.mode = 'degraded';
    expect(await probe()).toMatchObject({ health: 'degraded', failing: ['telegram'] });
  });

  it('is down on a 200 that is not readiness JSON (OpenClaw answers unknown paths with HTML)', async () => {
    primary.mode = 'html';
    expect(await probe()).toMatchObject({ health: 'down', detail: expect.stringContaining('HTTP 200') });
    primary.mode = 'garbage';
    expect((await probe()).health).toBe('down');
  });

  it('is down within the timeout when the primary accepts and never answers', async () => {
    primary.mode = 'hang';
    const started = performance.now();
    const result = await probe();
    const ms = performance.now() - started;
    expect(result).toMatchObject({ health: 'down', detail: 'no answer within 0.5s' });
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(3000);
  });

  it('is down with the connection error when nothing listens', async () => {
    const closed = new PrimaryStandIn();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const result = await createProbe({ url, timeoutSeconds: 0.5 })();
    expect(result).toMatchObject({ health: 'down', detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('sends the bearer token from the token file, trimmed', async () => {
    primary.mode = 'up';
    const dir = mkdtempSync(join(tmpdir(), 'probe-'));
    writeFileSync(join(dir, 'token'), 's3cret\n', { mode: 0o600 });
    await createProbe({ url: `${primary.url}/`, tokenFile: join(dir, 'token'), timeoutSeconds: 1 })();
    expect(primary.lastAuthorization).toBe('Bearer s3cret');
  });

  it('rejects an unreadable token file as a config error naming the key', () => {
    expect(() =>
      createProbe({ url: primary.url, tokenFile: '/nonexistent/token', timeoutSeconds: 1 }),
    ).toThrow(ConfigError);
    expect(() =>
      createProbe({ url: primary.url, tokenFile: '/nonexistent/token', timeoutSeconds: 1 }),
    ).toThrow(/primary\.tokenFile/);
  });

  it('classifies answers without a network', () => {
    expect(classify({ status: 503, body: '{"ready":false}', truncated: false })).toMatchObject({
      health: 'degraded',
      failing: [],
    });
    expect(classify({ status: 500, body: '{"ready":true}', truncated: false }).health).toBe('down');
    expect(classify({ status: 200, body: '{"ready":"yes"}', truncated: false }).health).toBe('down');
    // A cut document is not parsed, whatever its prefix says.
    expect(classify({ status: 200, body: '{"ready":true}', truncated: true })).toMatchObject({
      health: 'down',
      detail: 'HTTP 200 with an answer too large for readiness JSON',
    });
  });
});

describe('probe of a primary that sends an endless body', () => {
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ready":true,"pad":"');
      const chunk = 'x'.repeat(16 * 1024);
      const pump = () => {
        while (res.write(chunk)) {}
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('stops reading at the cap and answers down long before the timeout', async () => {
    const result = await createProbe({ url, timeoutSeconds: 10 })();
    expect(result).toMatchObject({
      health: 'down',
      detail: 'HTTP 200 with an answer too large for readiness JSON',
    });
    expect(result.latencyMs).toBeLessThan(5_000);
  });
});
