import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE, runCli } from '../../lab/bundle.js';
import { ConfigError, parseConfig } from '../../monitor/src/config.js';
import { DEFAULT_STATUS_LISTEN, POLICY_DEFAULTS } from '../../monitor/src/defaults.js';

const valid = {
  primary: { url: 'http://100.101.102.103:18789', tokenFile: '/etc/openclaw-failover/primary-token' },
  gateway: { manager: 'systemd', unit: 'openclaw.service', readyUrl: 'http://127.0.0.1:18789/readyz' },
  stateFile: '/var/lib/openclaw-failover/state.json',
};

const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('monitor config', () => {
  it('fills the documented defaults', () => {
    const c = parseConfig(valid);
    expect(c).toMatchObject({
      checkIntervalSeconds: 5,
      failThreshold: 3,
      recoverThreshold: 3,
      minActiveSeconds: 120,
      promoteOn: 'down',
      primary: { timeoutSeconds: 2 },
      gateway: { startTimeoutSeconds: 180, stopTimeoutSeconds: 30 },
      status: { listen: '127.0.0.1:18790' },
      notify: [],
    });
  });

  it('accepts the README’s example, which shows the defaults as they are', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Config file'));
    const example = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
    const c = parseConfig(JSON.parse(example ?? 'null'));
    expect(c).toMatchObject({ ...POLICY_DEFAULTS, status: { listen: DEFAULT_STATUS_LISTEN } });
  });

  it('accepts the full example of docs/monitor-contract.md and a process gateway with fractional seconds', () => {
    const c = parseConfig({
      ...valid,
      checkIntervalSeconds: 0.1,
      promoteOn: 'unready',
      gateway: {
        manager: 'process',
        command: ['node', 'gw.js'],
        cwd: '/tmp',
        env: { A: '1' },
        readyUrl: 'http://127.0.0.1:1/readyz',
      },
      workspace: { path: '/home/openclaw/.openclaw/workspace', timeoutSeconds: 20, pushBack: true },
      notify: [{ type: 'webhook', url: 'https://example.invalid/hook' }],
    });
    expect(c.gateway.manager).toBe('process');
    expect(c.checkIntervalSeconds).toBe(0.1);
  });

  it.each([
    [
      'a missing key',
      { primary: valid.primary, gateway: valid.gateway },
      'stateFile: required key is missing',
    ],
    ['a missing nested key', { ...valid, primary: {} }, 'primary.url: required key is missing'],
    ['a wrong type', { ...valid, failThreshold: '3' }, 'failThreshold: Invalid type'],
    ['a fractional count', { ...valid, failThreshold: 2.5 }, 'failThreshold:'],
    ['a negative duration', { ...valid, minActiveSeconds: -1 }, 'minActiveSeconds:'],
    ['a zero interval', { ...valid, checkIntervalSeconds: 0 }, 'checkIntervalSeconds:'],
    ['an unknown key', { ...valid, failTreshold: 3 }, 'failTreshold: unknown key'],
    [
      'an unknown nested key',
      { ...valid, primary: { ...valid.primary, token: 'x' } },
      'primary.token: unknown key',
    ],
    ['a bad enum', { ...valid, promoteOn: 'sometimes' }, 'promoteOn:'],
    ['a bad URL', { ...valid, primary: { url: 'ftp://x' } }, 'primary.url:'],
    [
      'credentials in the primary URL',
      { ...valid, primary: { url: 'http://ops:hunter2@100.64.0.1:18789' } },
      'primary.url: must not contain credentials',
    ],
    [
      'credentials in a webhook URL',
      { ...valid, notify: [{ type: 'webhook', url: 'https://user:pw@hooks.example.test/x' }] },
      'notify.0.url: must not contain credentials',
    ],
    ['a non-loopback status listener', { ...valid, status: { listen: '0.0.0.0:18790' } }, 'status.listen:'],
    ['a bad manager', { ...valid, gateway: { manager: 'docker' } }, 'gateway.manager:'],
  ])('rejects %s naming the key', (_what, raw, message) => {
    expect(() => parseConfig(raw)).toThrow(ConfigError);
    expect(() => parseConfig(raw)).toThrow(message);
  });
});

describe('the bundle on bad config files', () => {
  it('is cold by default; warm needs its warm block, and a warm block needs warm', () => {
    expect(parseConfig(valid).gateway).toMatchObject({ standbyMode: 'cold' });
    expect(parseConfig(valid).gateway.warm).toBeUndefined();
    const warm = { channel: 'telegram', switchFile: '/var/lib/s/channel.json', tokenFile: '/etc/t' };
    expect(
      parseConfig({ ...valid, gateway: { ...valid.gateway, standbyMode: 'warm', warm } }).gateway,
    ).toMatchObject({
      standbyMode: 'warm',
      warm,
    });
    const reason = 'gateway.warm: required when gateway.standbyMode is "warm", and only then';
    expect(() => parseConfig({ ...valid, gateway: { ...valid.gateway, standbyMode: 'warm' } })).toThrow(
      reason,
    );
    expect(() => parseConfig({ ...valid, gateway: { ...valid.gateway, warm } })).toThrow(reason);
    expect(() =>
      parseConfig({
        ...valid,
        gateway: { ...valid.gateway, standbyMode: 'warm', warm: { ...warm, channel: 'irc' } },
      }),
    ).toThrow(/gateway\.warm\.channel/);
    expect(() => parseConfig({ ...valid, gateway: { ...valid.gateway, standbyMode: 'hot' } })).toThrow(
      /gateway\.standbyMode/,
    );
  });

  it('check-config accepts a valid file', async () => {
    const r = await runCli(['check-config', file('ok.json', valid)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid');
  });

  it.each([
    [
      'missing keys',
      { primary: valid.primary },
      /gateway: required key is missing.*stateFile: required key is missing/,
    ],
    ['a wrong type', { ...valid, recoverThreshold: 'three' }, /recoverThreshold: Invalid type/],
    [
      'a negative duration',
      { ...valid, primary: { ...valid.primary, timeoutSeconds: -2 } },
      /primary\.timeoutSeconds/,
    ],
    ['an unknown key', { ...valid, extra: true }, /extra: unknown key/],
    ['broken JSON', '{"primary": ', /not valid JSON/],
  ])('check-config and run exit 78 on %s, naming the key', async (_what, content, message) => {
    const path = file(`bad-${_what.replace(/\W/g, '-')}.json`, content);
    for (const args of [
      ['check-config', path],
      ['run', '--config', path],
    ]) {
      const r = await runCli(args);
      expect(r.code).toBe(78);
      expect(r.stderr).toMatch(message);
    }
  });

  it('runs self-contained: the bundle alone, away from any node_modules', async () => {
    const alone = join(dir, 'openclaw-failover.mjs');
    copyFileSync(BUNDLE, alone);
    const r = spawnSync(process.execPath, [alone, 'check-config', file('alone.json', valid)], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('exits 78 when the config file does not exist, and 64 on a usage error', async () => {
    expect((await runCli(['run', '--config', join(dir, 'nope.json')])).code).toBe(78);
    expect((await runCli(['frobnicate'])).code).toBe(64);
  });

  it('names the bad keys of a file but never quotes a value: check-config, run and JSON errors', async () => {
    const secret = 'secret-hook-token-5d2a';
    const bad = {
      ...valid,
      promoteOn: secret,
      primary: { url: `not-a-url-${secret}` },
      gateway: { ...valid.gateway, unit: `${secret}.timer` },
      notify: [{ type: 'webhook', url: `hooks.example.test/${secret}` }],
    };
    const message = /primary\.url: .*promoteOn: .*gateway\.unit: .*notify\.0\.url: /;
    expect(() => parseConfig(bad)).toThrow(message);
    for (const content of [
      bad,
      `{"notify": [{"url": "https://hooks.example.test/${secret}"}],}`,
      `${secret}`,
    ]) {
      const path = file('secret.json', content);
      for (const args of [
        ['check-config', path],
        ['run', '--config', path],
      ]) {
        const r = await runCli(args);
        expect(r.code).toBe(78);
        expect(r.stderr).toMatch(typeof content === 'string' ? /not valid JSON/ : message);
        expect(r.stderr).not.toContain(secret);
      }
    }
  });
});

describe('check-config of a valid file', () => {
  it('names the primary without a token its query carries', async () => {
    const secret = 'query-token-2e7b90';
    const path = file('query.json', {
      ...valid,
      primary: { url: `http://100.64.0.1:18789/?token=${secret}` },
    });
    const r = await runCli(['check-config', path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${path}: valid (gateway manager systemd, primary http://100.64.0.1:18789/?(hidden))\n`,
    );
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});

describe('reload-plan: how a running monitor takes a new file', () => {
  const old = file('plan-old.json', valid);
  it.each([
    ['the same file', valid, 'reload'],
    [
      'new thresholds and a webhook',
      { ...valid, failThreshold: 5, notify: [{ type: 'webhook', url: 'https://h.test/x' }] },
      'reload',
    ],
    ['a new primary', { ...valid, primary: { url: 'http://100.64.0.9:18789' } }, 'reload'],
    ['another gateway unit', { ...valid, gateway: { ...valid.gateway, unit: 'other.service' } }, 'restart'],
    ['another state file', { ...valid, stateFile: '/tmp/state.json' }, 'restart'],
    ['another status listener', { ...valid, status: { listen: '127.0.0.1:18799' } }, 'restart'],
  ])('%s: %s', async (_what, next, plan) => {
    const r = await runCli(['reload-plan', old, file('plan-new.json', next)]);
    expect(r.stderr).toBe('');
    expect([r.code, r.stdout.trim()]).toEqual([0, plan]);
  });

  it('says restart when the old file is missing or invalid, and exits 78 when the new one is invalid', async () => {
    const ok = file('plan-ok.json', valid);
    expect((await runCli(['reload-plan', join(dir, 'none.json'), ok])).stdout.trim()).toBe('restart');
    expect((await runCli(['reload-plan', file('plan-bad.json', '{'), ok])).stdout.trim()).toBe('restart');
    const r = await runCli(['reload-plan', old, file('plan-bad-new.json', { ...valid, failThreshold: 0 })]);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/failThreshold: /);
  });
});
