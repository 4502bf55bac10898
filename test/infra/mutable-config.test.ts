import { describe, expect, it } from 'vitest';
import { DROPLET_PATHS, STAGED_FILES } from '../../cloud-init/index.js';
import { parseConfig } from '../../monitor/src/config.js';
import { OWNER_DM_EVENTS, TELEGRAM_API_ROOT } from '../../monitor/src/defaults.js';
import {
  onlyResourceOfType,
  type ProgramRun,
  type RecordedResource,
  runProgram,
  SECRETS,
  TYPES,
} from './program.js';

function pushCommand(run: ProgramRun): RecordedResource {
  const push = run.resources.find((resource) => resource.name.endsWith('-push'));
  if (push === undefined) throw new Error('no push command');
  return push;
}

/** The staged files the push command writes, decoded from its stdin. */
function stagedFiles(run: ProgramRun): Record<string, string> {
  const stdin = String(pushCommand(run).inputs.stdin);
  const files = [
    ...stdin.matchAll(
      /base64 -d > \/var\/lib\/failover-gateway\/staging\/(\S+) <<'STAGED'\n([\s\S]*?)\nSTAGED/g,
    ),
  ];
  return Object.fromEntries(
    files.map(([, name = '', body = '']) => [name, Buffer.from(body, 'base64').toString()]),
  );
}

const userData = (run: ProgramRun) => onlyResourceOfType(run, TYPES.droplet).inputs.userData;
const keyGeneration = (run: ProgramRun) =>
  onlyResourceOfType(run, TYPES.tailnetKey).registration.replacementTrigger?.stringValue;

describe('changing the monitor thresholds', () => {
  it('leaves user-data byte-identical and changes only the pushed monitor config', async () => {
    const before = await runProgram();
    const after = await runProgram({
      checkIntervalSeconds: '10',
      failThreshold: '5',
      recoverThreshold: '4',
      minActiveSeconds: '300',
      promoteOn: 'unready',
      falsePromotionDays: '0',
      degradedGraceSeconds: '0',
      confirmIntervalSeconds: '0',
      minOutageSeconds: '0',
    });

    expect(userData(after)).toBe(userData(before));
    expect(onlyResourceOfType(after, TYPES.droplet).inputs).toEqual(
      onlyResourceOfType(before, TYPES.droplet).inputs,
    );
    expect(keyGeneration(after)).toBe(keyGeneration(before));

    const [old, changed] = [stagedFiles(before), stagedFiles(after)];
    expect(Object.keys(changed).sort()).toEqual(Object.keys(old).sort());
    for (const name of Object.keys(old)) {
      if (name === 'monitor.json') expect(changed[name]).not.toBe(old[name]);
      else expect(changed[name], name).toBe(old[name]);
    }
    expect(parseConfig(JSON.parse(changed['monitor.json'] ?? ''))).toMatchObject({
      checkIntervalSeconds: 10,
      failThreshold: 5,
      recoverThreshold: 4,
      minActiveSeconds: 300,
      promoteOn: 'unready',
      falsePromotionDays: 0,
      degradedGraceSeconds: 0,
      confirmIntervalSeconds: 0,
      minOutageSeconds: 0,
    });
    // The content hash in the triggers re-runs the push, and only the push: the bundle, unchanged,
    // is not copied again (so the deploy script reloads the monitor instead of restarting it).
    expect(pushCommand(after).inputs.triggers).not.toEqual(pushCommand(before).inputs.triggers);
    const bundleCopy = (run: ProgramRun) =>
      run.resources.find((r) => r.name.endsWith('-monitor-bundle'))?.inputs;
    expect(bundleCopy(after)?.triggers).toEqual(bundleCopy(before)?.triggers);
    const firstBoot = (run: ProgramRun) => run.resources.find((r) => r.name.endsWith('-first-boot'))?.inputs;
    expect(firstBoot(after)).toEqual(firstBoot(before));
  });

  it('re-pushes nothing when nothing changed', async () => {
    const [first, second] = [await runProgram(), await runProgram()];
    expect(pushCommand(second).inputs.triggers).toEqual(pushCommand(first).inputs.triggers);
    expect(pushCommand(second).inputs.stdin).toBe(pushCommand(first).inputs.stdin);
  });
});

describe('the pushed monitor config', () => {
  it('is valid for the monitor and points at the primary with its token file', async () => {
    const run = await runProgram({ primaryAddress: 'fd7a:115c:a1e0::1', primaryPort: '18800' });
    const monitor = parseConfig(JSON.parse(stagedFiles(run)['monitor.json'] ?? ''));
    expect(monitor.primary).toEqual({
      url: 'http://[fd7a:115c:a1e0::1]:18800',
      tokenFile: '/etc/openclaw-failover/primary-token',
      timeoutSeconds: 2,
    });
    expect(monitor.notify).toEqual([
      { type: 'webhook', url: 'https://hooks.example.test/services/secret-path-3b9f', timeoutSeconds: 5 },
      {
        type: 'telegram',
        tokenFile: DROPLET_PATHS.ownerDmTokenFile,
        chatIds: ['123456789'],
        apiRoot: TELEGRAM_API_ROOT,
        events: [...OWNER_DM_EVENTS],
        timeoutSeconds: 5,
      },
    ]);
    expect(stagedFiles(run)['primary-token']).toBe('primary-gateway-token-31d8\n');
    // The standby's own bot token, for the monitor's DMs to the owners.
    expect(stagedFiles(run)[STAGED_FILES.ownerDmToken]).toBe(`${SECRETS.channelToken}\n`);
  });

  it("names the standby's Telegram bot by its id for the duplicate-bot guard, and no bot on Discord", async () => {
    const telegram = parseConfig(JSON.parse(stagedFiles(await runProgram({}))['monitor.json'] ?? ''));
    expect(telegram.standbyBot).toEqual({ channel: 'telegram', id: SECRETS.channelToken.split(':')[0] });
    const discord = parseConfig(
      JSON.parse(stagedFiles(await runProgram({ channel: 'discord' }))['monitor.json'] ?? ''),
    );
    expect(discord.standbyBot).toBeUndefined();
  });

  it('carries the witnesses of the self-check', async () => {
    const run = await runProgram({ witnesses: JSON.stringify(['github.com:22', '[2001:db8::1]:8443']) });
    const monitor = parseConfig(JSON.parse(stagedFiles(run)['monitor.json'] ?? ''));
    expect(monitor.witnesses).toEqual(['github.com:22', '[2001:db8::1]:8443']);
  });

  it('DMs no owner when ownerNotifications is off, on Discord, or without a numeric Telegram id', async () => {
    for (const config of [
      { ownerNotifications: 'false' },
      { channel: 'discord' },
      { channelAllowFrom: JSON.stringify(['@someone']) },
    ]) {
      const run = await runProgram(config);
      const monitor = parseConfig(JSON.parse(stagedFiles(run)['monitor.json'] ?? ''));
      expect(monitor.notify.map((t) => t.type)).toEqual(['webhook']);
      expect(stagedFiles(run)).not.toHaveProperty(STAGED_FILES.ownerDmToken);
    }
  });
});

describe('a new droplet, a new tailnet key', () => {
  it('ties the single-use key to the droplet it is for, whatever replaced the droplet', async () => {
    // A config change, `pulumi up --replace` or a droplet deleted by hand all end in a new
    // droplet id; the key's replacement trigger is that id, so a spent key is never reused.
    const run = await runProgram();
    const dropletId = '4242'; // the mock provider's id for the droplet
    expect(onlyResourceOfType(run, TYPES.projectResources).inputs.resources).toEqual([
      `do:droplet:${dropletId}`,
    ]);
    expect(keyGeneration(run)).toBe(dropletId);
    const join = run.resources.find((r) => r.name.endsWith('-tailnet-join'));
    expect(join?.inputs.triggers).toEqual([dropletId]);
  });
});

describe('standbyMode', () => {
  it('warm (the default) stages the switch-including openclaw.json and the gateway token for the monitor; cold neither; switching replaces the droplet', async () => {
    const warm = await runProgram();
    const cold = await runProgram({ standbyMode: 'cold' });
    expect(userData(cold)).not.toBe(userData(warm));
    const warmConfig = JSON.parse(stagedFiles(warm)['openclaw.json'] ?? '');
    expect(warmConfig.channels.telegram.$include).toBe('/var/lib/openclaw-failover-switch/channel.json');
    expect(warmConfig.channels.telegram.enabled).toBeUndefined();
    expect(parseConfig(JSON.parse(stagedFiles(warm)['monitor.json'] ?? '')).gateway).toMatchObject({
      standbyMode: 'warm',
      warm: { channel: 'telegram', tokenFile: '/etc/openclaw-failover/standby-gateway-token' },
    });
    expect(stagedFiles(warm)['standby-gateway-token']).toMatch(/^\S{32,}\n$/);
    expect(JSON.parse(stagedFiles(cold)['openclaw.json'] ?? '').channels.telegram.enabled).toBe(true);
    expect(parseConfig(JSON.parse(stagedFiles(cold)['monitor.json'] ?? '')).gateway.standbyMode).toBe('cold');
    expect(stagedFiles(cold)['standby-gateway-token']).toBeUndefined();
  });
});
