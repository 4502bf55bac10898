import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ChannelKind,
  channelTokenEnv,
  GATEWAY_TOKEN_ENV,
  renderGatewayEnv,
  renderOpenclawConfig,
} from '../../cloud-init/index.js';
import { gatewayEnvInput, openclawConfigInput, SECRETS } from './fixture.js';
import { run, scratchDir } from './validators.js';

function openclawBin(): string {
  const bin = process.env.OPENCLAW_BIN;
  if (!bin) {
    throw new Error(
      'OPENCLAW_BIN is not set: run `eval "$(scripts/toolchain.sh)"` first (pinned Node 24 + OpenClaw)',
    );
  }
  return bin;
}

interface ValidateResult {
  status: number | null;
  report:
    | { valid: boolean; warnings?: { path: string; message: string }[]; issues?: { path: string }[] }
    | undefined;
  output: string;
}

/** The real `openclaw config validate --json` in a private state dir, with dummy secrets. */
const scratch = scratchDir('openclaw-validate');

function validate(name: string, configText: string, env: Record<string, string> = {}): ValidateResult {
  const home = join(scratch.dir, name);
  const stateDir = join(home, 'state');
  mkdirSync(stateDir, { recursive: true });
  const configPath = scratch.write(`${name}/openclaw.json`, configText);
  const result = run(openclawBin(), ['config', 'validate', '--json'], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      OPENCLAW_CONFIG_PATH: configPath,
      OPENCLAW_STATE_DIR: stateDir,
      [GATEWAY_TOKEN_ENV]: 'dummy-gateway-token',
      DISCORD_BOT_TOKEN: 'dummy-discord-token',
      TELEGRAM_BOT_TOKEN: '123456:dummy-telegram-token',
      ...env,
    },
  });
  // The report is one JSON document on stdout (single-line when valid, pretty-printed when not).
  const start = result.stdout.indexOf('{');
  return {
    status: result.status,
    report: start === -1 ? undefined : JSON.parse(result.stdout.slice(start)),
    output: result.stdout + result.stderr,
  };
}

const kinds: ChannelKind[] = ['discord', 'telegram'];

describe.each(kinds)('standby openclaw.json with %s', (kind) => {
  const text = renderOpenclawConfig(openclawConfigInput(kind));
  const config = JSON.parse(text);

  it('passes the real `openclaw config validate`', () => {
    const { status, report, output } = validate(kind, text);
    expect(status, output).toBe(0);
    expect(report?.valid).toBe(true);
    // The validator's state dir lacks the Discord plugin the droplet preinstalls; nothing else may warn.
    const warnings = (report?.warnings ?? []).filter(
      (warning) => !(kind === 'discord' && warning.path === 'plugins.entries.discord'),
    );
    expect(warnings).toEqual([]);
  });

  it('owns exactly one channel, DM allowlist only, tailnet bind with token auth', () => {
    expect(Object.keys(config.channels)).toEqual([kind]);
    expect(config.channels[kind]).toMatchObject({ enabled: true, dmPolicy: 'allowlist' });
    expect(config.gateway).toMatchObject({
      mode: 'local',
      bind: 'tailnet',
      port: 18789,
      auth: { mode: 'token' },
    });
  });

  it('holds references, not secrets; the env file holds the secrets', () => {
    expect(text).toContain(`\${${channelTokenEnv(kind)}}`);
    expect(text).toContain(`\${${GATEWAY_TOKEN_ENV}}`);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    const env = renderGatewayEnv(gatewayEnvInput(kind));
    expect(env).toMatch(new RegExp(`^${channelTokenEnv(kind)}=`, 'm'));
    expect(env).toContain(SECRETS.gatewayToken);
  });
});

describe('warm standby openclaw.json', () => {
  const switchDir = join(scratch.dir, 'switch');
  const channelSwitch = join(switchDir, 'channel.json');
  const text = renderOpenclawConfig({ ...openclawConfigInput('telegram'), channelSwitch });
  const config = JSON.parse(text);

  it('takes `enabled` only from the included switch, beside the token, and enables the admin RPC', () => {
    expect(config.channels.telegram).toEqual({
      $include: channelSwitch,
      botToken: `\${${channelTokenEnv('telegram')}}`,
      dmPolicy: 'allowlist',
      allowFrom: ['987654321'],
    });
    expect(config.plugins.entries).toEqual({ 'admin-http-rpc': { enabled: true } });
  });

  it('passes the real `openclaw config validate` with the switch file, and fails without it', () => {
    mkdirSync(switchDir, { recursive: true });
    const env = { OPENCLAW_INCLUDE_ROOTS: switchDir };
    scratch.write('switch/channel.json', '{"enabled":false}\n');
    const { status, report, output } = validate('warm', text, env);
    expect(status, output).toBe(0);
    expect(report).toMatchObject({ valid: true, warnings: [] });
    const missing = renderOpenclawConfig({
      ...openclawConfigInput('telegram'),
      channelSwitch: `${channelSwitch}.gone`,
    });
    expect(validate('warm-missing', missing, env).status).not.toBe(0);
  });
});

describe('openclaw config validate', () => {
  it('rejects a config with a bad key (the check bites)', () => {
    const config = JSON.parse(renderOpenclawConfig(openclawConfigInput('telegram')));
    config.channels.telegram.dmPolicy = 'everyone-welcome';
    const { status, report } = validate('broken', JSON.stringify(config));
    expect(status).toBe(1);
    expect(report?.valid).toBe(false);
    expect(report?.issues?.map((issue) => issue.path)).toEqual(['channels.telegram.dmPolicy']);
  });

  it('the renderer refuses an empty allowlist', () => {
    const input = openclawConfigInput('discord');
    expect(() => renderOpenclawConfig({ ...input, channel: { kind: 'discord', allowFrom: [] } })).toThrow(
      /allowFrom/,
    );
  });
});
