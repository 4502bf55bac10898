import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, SECRET_KEYS } from '../../infra/config-rules.js';
import { MAX_CHECK_INTERVAL_SECONDS, MONITOR_WATCHDOG_SECONDS } from '../../infra/droplet-settings.js';
import { POLICY_DEFAULTS } from '../../monitor/src/defaults.js';
import {
  DECLARED_CONFIG,
  PROJECT,
  ProgramError,
  runProgram,
  SECRET_NEEDLES,
  SECRETS,
  TYPES,
} from './program.js';

const rootPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  config: { openclawVersion: string; nodeVersion: string };
};

/** Runs the program with `config` and returns its error message; fails if it succeeds. */
async function failureOf(
  config: Record<string, string | undefined>,
  options: { plaintext?: readonly string[] } = {},
): Promise<string> {
  const error = await runProgram(config, options).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof Error)) throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
  return error.message;
}

describe('Pulumi.yaml', () => {
  it('declares exactly the keys the program reads, each with a type and a description', () => {
    expect(Object.keys(DECLARED_CONFIG).sort()).toEqual([...CONFIG_KEYS].sort());
    for (const [key, declaration] of Object.entries(DECLARED_CONFIG)) {
      expect(['string', 'integer', 'boolean', 'array'], key).toContain(declaration.type);
      expect(declaration.description?.length ?? 0, key).toBeGreaterThan(20);
    }
  });

  it('pins the OpenClaw and Node versions that package.json pins', () => {
    expect(DECLARED_CONFIG.openclawVersion?.default).toBe(rootPackage.config.openclawVersion);
    expect(DECLARED_CONFIG.nodeVersion?.default).toBe(rootPackage.config.nodeVersion);
  });

  it("gives each monitor policy key it declares the monitor's own default (POLICY_DEFAULTS)", () => {
    const declared = Object.keys(POLICY_DEFAULTS).filter((key) => key in DECLARED_CONFIG);
    expect(declared).toEqual(expect.arrayContaining(['confirmIntervalSeconds', 'minOutageSeconds']));
    for (const key of declared) {
      expect(DECLARED_CONFIG[key]?.default, key).toBe(POLICY_DEFAULTS[key as keyof typeof POLICY_DEFAULTS]);
    }
  });

  it('marks every required secret secret, and gives no secret a plaintext value', () => {
    for (const key of SECRET_KEYS) {
      const declaration = DECLARED_CONFIG[key];
      if (declaration?.default === undefined) expect(declaration?.secret, key).toBe(true);
      else expect(declaration.default, key).toBe('');
    }
  });

  it('says which keys are secrets exactly as infra/config-rules.ts does', () => {
    // Optional secrets cannot carry `secret: true` (Pulumi refuses a plain default there), so
    // their description starts with "Secret.".
    const declared = Object.entries(DECLARED_CONFIG)
      .filter(([, d]) => d.secret === true || d.description?.startsWith('Secret.'))
      .map(([key]) => key);
    expect(declared.sort()).toEqual([...SECRET_KEYS].sort());
    expect(SECRET_KEYS).toEqual(expect.arrayContaining(Object.keys(SECRETS)));
  });
});

describe('Pulumi.dev.yaml', () => {
  const stack = parse(readFileSync(new URL('../../Pulumi.dev.yaml', import.meta.url), 'utf8')) as {
    config: Record<string, unknown>;
  };
  const keys = Object.keys(stack.config).map((key) => key.replace(`${PROJECT}:`, ''));

  it('sets every key that has no default', () => {
    const required = Object.entries(DECLARED_CONFIG).filter(([, d]) => d.default === undefined);
    expect(keys).toEqual(expect.arrayContaining(required.map(([key]) => key)));
  });

  it('runs once its secret placeholders are set', async () => {
    const values = Object.fromEntries(
      Object.entries(stack.config).map(([key, value]) => [
        key.replace(`${PROJECT}:`, ''),
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
    for (const key of Object.keys(SECRETS)) {
      if (key in values) expect(values[key], key).toMatch(/pulumi config set --secret/);
    }
    const run = await runProgram({ ...values, ...SECRETS, nodeSha256: 'ab'.repeat(32) });
    expect(run.resources.length).toBeGreaterThan(5);
  });
});

describe('a bad stack config fails before any resource exists, naming the key', () => {
  it.each([
    ['a missing required key', { region: undefined }, `${PROJECT}:region is required`],
    [
      'a value of the wrong type',
      { failThreshold: 'x' },
      `${PROJECT}:failThreshold must be an integer ≥ 1, got "x"`,
    ],
    [
      'a threshold below range',
      { recoverThreshold: '0' },
      `${PROJECT}:recoverThreshold must be an integer ≥ 1, got "0"`,
    ],
    ['a negative duration', { minActiveSeconds: '-5' }, `${PROJECT}:minActiveSeconds must be an integer ≥ 0`],
    [
      'a confirm interval longer than any check interval',
      { confirmIntervalSeconds: '31' },
      `${PROJECT}:confirmIntervalSeconds must be an integer from 0 to 30 (0: no confirm burst)`,
    ],
    [
      'a minimum outage over 10 minutes',
      { minOutageSeconds: '601' },
      `${PROJECT}:minOutageSeconds must be an integer from 0 to 600 (0: the count of probes alone decides)`,
    ],
    [
      'a fractional interval',
      { checkIntervalSeconds: '2.5' },
      `${PROJECT}:checkIntervalSeconds must be an integer`,
    ],
    [
      'an interval the monitor watchdog would not survive',
      { checkIntervalSeconds: '31' },
      `${PROJECT}:checkIntervalSeconds must be an integer from 1 to 30 (at most half the monitor unit's WatchdogSec=60`,
    ],
    [
      'a port out of range',
      { primaryPort: '70000' },
      `${PROJECT}:primaryPort must be an integer from 1 to 65535`,
    ],
    [
      'an unknown channel',
      { channel: 'slack' },
      `${PROJECT}:channel must be "discord" or "telegram", got "slack"`,
    ],
    ['an unknown promote policy', { promoteOn: 'maybe' }, `${PROJECT}:promoteOn must be "down" or "unready"`],
    ['an unknown standby mode', { standbyMode: 'hot' }, `${PROJECT}:standbyMode must be "warm" or "cold"`],
    [
      'a warm standby on a droplet under 2 GB',
      { standbyMode: 'warm', dropletSize: 's-1vcpu-1gb' },
      `${PROJECT}:standbyMode "warm" needs a droplet with at least 2 GB of memory (its idle gateway holds about 1 GB), and ${PROJECT}:dropletSize "s-1vcpu-1gb" has 1024 MB: set standbyMode to "cold" or pick a larger size`,
    ],
    [
      'a warm standby on the 512 MB size (its disk size is not its memory)',
      { standbyMode: 'warm', dropletSize: 's-1vcpu-512mb-10gb' },
      `${PROJECT}:dropletSize "s-1vcpu-512mb-10gb" has 512 MB`,
    ],
    [
      'an opt-in that is not a boolean',
      { primaryOutsideTailnet: 'yes' },
      `${PROJECT}:primaryOutsideTailnet must be true or false, got "yes"`,
    ],
    [
      'a CIDR with a bad prefix',
      { sshAllowedCidrs: '["10.0.0.0/33"]' },
      `${PROJECT}:sshAllowedCidrs must be`,
    ],
    [
      'a bare address for a CIDR',
      { sshAllowedCidrs: '["203.0.113.7"]' },
      `${PROJECT}:sshAllowedCidrs must be`,
    ],
    ['no SSH source at all', { sshAllowedCidrs: '[]' }, `${PROJECT}:sshAllowedCidrs must be`],
    ['a list that is not JSON', { channelAllowFrom: 'alice' }, `${PROJECT}:channelAllowFrom must be`],
    ['a tag without tag:', { tailnetTags: '["openclaw"]' }, `${PROJECT}:tailnetTags must be`],
    [
      'a hostname with a dot',
      { tailnetHostname: 'standby.example' },
      `${PROJECT}:tailnetHostname must be a DNS label`,
    ],
    [
      'a Node outside 24.x',
      { nodeVersion: '22.12.0' },
      `${PROJECT}:nodeVersion must be an exact Node.js 24 release`,
    ],
    [
      'a version range',
      { openclawVersion: '^2026.9.6' },
      `${PROJECT}:openclawVersion must be an exact version`,
    ],
    ['a model without provider', { model: 'claude-opus' }, `${PROJECT}:model must be "provider/model"`],
    [
      'a truncated SHA-256',
      { nodeSha256: 'abc123' },
      `${PROJECT}:nodeSha256 must be the 64 hex digit SHA-256`,
    ],
    [
      'a public key without its type',
      { sshPublicKey: 'AAAAC3Nza' },
      `${PROJECT}:sshPublicKey must be one OpenSSH`,
    ],
    [
      'an HTTPS workspace URL',
      { workspaceRepo: 'https://github.com/me/ws' },
      `${PROJECT}:workspaceRepo must be`,
    ],
    [
      'a webhook URL with credentials',
      { notifyWebhookUrl: 'https://user:pw@hooks.example.test/x' },
      `${PROJECT}:notifyWebhookUrl must be empty or an http(s) URL without user:password@, (value hidden`,
    ],
    [
      'a witness without its port',
      { witnesses: JSON.stringify(['github.com']) },
      `${PROJECT}:witnesses must be a list of at most 8 host:port TCP endpoints`,
    ],
    [
      'a Telegram token without its bot id',
      { channel: 'telegram', channelToken: 'AAH-no-bot-id' },
      `${PROJECT}:channelToken must be a Telegram bot token, "<bot id>:<secret>"`,
    ],
    [
      'a workspace without deploy key',
      { workspaceDeployKey: '' },
      `${PROJECT}:workspaceDeployKey is required when`,
    ],
  ])('%s', async (_case, config, message) => {
    expect(await failureOf(config)).toContain(message);
  });

  it.each(['203.0.113.5', '100.128.0.1', 'fd7a:115c:a1e1::1', '2001:db8::1', 'gateway.example.com'])(
    'refuses the primary at %s, outside the tailnet, unless primaryOutsideTailnet is set',
    async (address) => {
      const message = await failureOf({ primaryAddress: address });
      expect(message).toContain(`${PROJECT}:primaryAddress must be a tailnet address`);
      expect(message).toContain(`set ${PROJECT}:primaryOutsideTailnet true`);
      const run = await runProgram({ primaryAddress: address, primaryOutsideTailnet: 'true' });
      expect(run.resources.length).toBeGreaterThan(5);
    },
  );

  it.each(['100.64.0.1', '100.127.255.254', 'fd7a:115c:a1e0::1', 'primary', 'primary.tail1234.ts.net'])(
    'accepts the tailnet address or MagicDNS name %s',
    async (address) => {
      const run = await runProgram({ primaryAddress: address });
      expect(run.resources.length).toBeGreaterThan(5);
    },
  );

  it('accepts the longest interval the watchdog allows, derived from the unit’s WatchdogSec', async () => {
    expect(MAX_CHECK_INTERVAL_SECONDS * 2).toBeLessThanOrEqual(MONITOR_WATCHDOG_SECONDS);
    expect(DECLARED_CONFIG.checkIntervalSeconds?.description).toContain(
      `At most ${MAX_CHECK_INTERVAL_SECONDS}: half the monitor unit's watchdog (WatchdogSec=${MONITOR_WATCHDOG_SECONDS})`,
    );
    const run = await runProgram({ checkIntervalSeconds: String(MAX_CHECK_INTERVAL_SECONDS) });
    const droplet = run.resources.find((resource) => resource.type === TYPES.droplet);
    expect(String(droplet?.inputs.userData)).toContain(`WatchdogSec=${MONITOR_WATCHDOG_SECONDS}\n`);
  });

  it('names every bad key at once', async () => {
    const message = await failureOf({ failThreshold: '0', channel: 'irc', region: undefined });
    expect(message).toContain(`${PROJECT}:failThreshold`);
    expect(message).toContain(`${PROJECT}:channel`);
    expect(message).toContain(`${PROJECT}:region`);
  });

  it('never echoes a bad secret value', async () => {
    const message = await failureOf({
      modelApiKeys: 'sk-ant-without-a-name',
      standbyGatewayToken: 'short-secret',
    });
    expect(message).toContain(`${PROJECT}:modelApiKeys must be NAME=value entries`);
    expect(message).toContain(`${PROJECT}:standbyGatewayToken must be`);
    expect(message).not.toContain('sk-ant-without-a-name');
    expect(message).not.toContain('short-secret');
  });

  it.each([...SECRET_KEYS])('refuses %s set without --secret, naming the command', async (key) => {
    const value =
      key in SECRETS
        ? SECRETS[key as keyof typeof SECRETS]
        : '-----BEGIN OPENSSH PRIVATE KEY-----\nYWRtaW4ta2V5\n-----END OPENSSH PRIVATE KEY-----';
    const message = await failureOf({ [key]: value }, { plaintext: [key] });
    expect(message).toContain(`${PROJECT}:${key} is a secret but is stored in plain text`);
    expect(message).toContain(`pulumi config set --secret ${PROJECT}:${key}`);
    for (const needle of [...SECRET_NEEDLES, 'YWRtaW4ta2V5']) expect(message).not.toContain(needle);
  });

  it('accepts an optional secret left unset in plain text (its empty default)', async () => {
    const run = await runProgram({ notifyWebhookUrl: '' }, { plaintext: ['notifyWebhookUrl'] });
    expect(run.resources.length).toBeGreaterThan(5);
  });

  it('registers no resource when the config is bad', async () => {
    const error = await runProgram({ failThreshold: 'x' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ProgramError);
    expect((error as ProgramError).resources).toEqual([]);
  });
});
