// What changing each stack key costs, as the README's config table says it ("in place" or
// "replaces the droplet"): the program is run with that key alone changed, under mocks, and the
// droplet is replaced exactly when an input DigitalOcean cannot change on a running droplet
// differs (its name, region, image, user-data or SSH keys). Every key must be listed below, so a
// new key is classified when it is added.
import { beforeAll, describe, expect, it } from 'vitest';
import { DECLARED_CONFIG, onlyResourceOfType, type ProgramRun, runProgram, TYPES } from './program.js';
import { stackConfigRows } from './readme-table.js';

/** A valid value other than the test stack's, per key. */
const CHANGED: Record<string, string> = {
  region: 'nyc3',
  dropletSize: 's-2vcpu-4gb',
  image: 'debian-13-x64',
  digitaloceanProject: 'elsewhere',
  sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG90aGVyLWFkbWluLWtleS1mb3ItdGVzdHMxMjM0 other@laptop',
  sshPrivateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3RoZXI=\n-----END OPENSSH PRIVATE KEY-----\n',
  sshAllowedCidrs: JSON.stringify(['198.51.100.0/24']),
  tailnetHostname: 'standby-two',
  tailnetTags: JSON.stringify(['tag:openclaw-standby', 'tag:server']),
  primaryAddress: '100.64.0.9',
  primaryOutsideTailnet: 'true',
  primaryPort: '18800',
  primaryGatewayToken: 'primary-gateway-token-other-8e1f',
  standbyGatewayToken: 'standby-gateway-token-other-0000111122223333',
  channel: 'discord',
  channelToken: '700987654:channel-token-other-1c2d',
  channelAllowFrom: JSON.stringify(['555555555']),
  model: 'anthropic/claude-sonnet-4-5',
  modelFallbacks: JSON.stringify(['anthropic/claude-sonnet-4-5']),
  modelApiKeys: 'ANTHROPIC_API_KEY=sk-ant-other-2b2b',
  workspaceRepo: 'git@github.com:me/other-workspace.git',
  workspaceDeployKey:
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3RoZXJkZXBsb3k=\n-----END OPENSSH PRIVATE KEY-----\n',
  openclawVersion: '2026.9.7',
  nodeVersion: '24.22.0',
  nodeSha256: 'a'.repeat(64),
  nodeDistUrl: 'https://nodejs.example.test/dist',
  checkIntervalSeconds: '10',
  failThreshold: '5',
  recoverThreshold: '4',
  minActiveSeconds: '300',
  falsePromotionDays: '30',
  degradedGraceSeconds: '600',
  confirmIntervalSeconds: '2',
  minOutageSeconds: '10',
  witnesses: JSON.stringify(['github.com:22', '[2001:db8::1]:443']),
  promoteOn: 'unready',
  standbyMode: 'cold',
  notifyWebhookUrl: 'https://hooks.example.test/services/other',
  ownerNotifications: 'false',
  primarySshHost: 'primary.example.net',
  primarySshPort: '2222',
  primarySshUser: 'openclaw',
  primarySshHostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHByaW1hcnlob3N0a2V5MDAwMDAwMDAwMDAw',
  primarySshPrivateKey:
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3RoZXJwcmltYXJ5\n-----END OPENSSH PRIVATE KEY-----\n',
  primaryWorkspacePath: '/srv/openclaw/workspace',
  primaryOpenclawConfigPath: '/srv/openclaw/openclaw.json',
  primaryPushIntervalSeconds: '15',
};

/** Keys that cannot be set alone: the others their change needs (config.ts requires them). */
const WITH: Record<string, Record<string, string>> = {
  primarySshHost: { primarySshUser: 'openclaw', primarySshHostKey: CHANGED.primarySshHostKey ?? '' },
};

/** Droplet inputs that DigitalOcean can only set at creation: a change replaces the droplet. */
const CREATION_INPUTS = ['name', 'region', 'image', 'userData', 'sshKeys'] as const;

/** The table's "change" column, by key. */
const documented = new Map([...stackConfigRows()].map(([key, cells]) => [key, cells[2]]));

let before: ProgramRun;
beforeAll(async () => {
  before = await runProgram();
});

function replacesDroplet(after: ProgramRun): boolean {
  const [old, now] = [before, after].map((run) => onlyResourceOfType(run, TYPES.droplet).inputs);
  return CREATION_INPUTS.some((input) => JSON.stringify(old?.[input]) !== JSON.stringify(now?.[input]));
}

describe('what changing a stack key costs', () => {
  it('is known for every key of Pulumi.yaml, and only those', () => {
    expect(Object.keys(CHANGED).sort()).toEqual(Object.keys(DECLARED_CONFIG).sort());
  });

  it.each(Object.keys(DECLARED_CONFIG))('%s: as the README says', async (key) => {
    const after = await runProgram({ ...WITH[key], [key]: CHANGED[key] });
    expect(documented.get(key), key).toBe(replacesDroplet(after) ? 'replaces the droplet' : 'in place');
  });
});
