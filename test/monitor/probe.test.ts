import { mkdtempSync, writeFileSync } from 'node:fs';
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
    expect(classify({ status: 503, body: '{"ready":false}' })).toMatchObject({
      health: 'degraded',
      failing: [],
    });
    expect(classify({ status: 500, body: '{"ready":true}' }).health).toBe('down');
    expect(classify({ status: 200, body: '{"ready":"yes"}' }).health).toBe('down');
  });
});
