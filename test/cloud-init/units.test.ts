import { chmodSync, copyFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  DROPLET_PATHS,
  GATEWAY_UNIT_NAME,
  MONITOR_UNIT_NAME,
  MONITOR_USER,
  renderGatewayUnit,
  renderMonitorUnit,
  renderPolkitRule,
} from '../../cloud-init/index.js';
import { run, scratchDir } from './validators.js';

const unitsFor = (standbyMode: 'cold' | 'warm'): Record<string, string> => ({
  [GATEWAY_UNIT_NAME]: renderGatewayUnit({ gatewayPort: 18789, stopTimeoutSeconds: 30, standbyMode }),
  [MONITOR_UNIT_NAME]: renderMonitorUnit({ watchdogSeconds: 30, standbyMode }),
});
const units = unitsFor('cold');
const warmUnits = unitsFor('warm');

/**
 * `systemd-analyze verify` loads a unit with its dependencies and checks that ExecStart's binary
 * exists. With --root it does both inside a directory, so the droplet is imitated there: the
 * host's unit files (sysinit.target and friends), our units, and a stand-in executable at the
 * droplet's Node path. Without the stand-in, verify fails (the last test shows it).
 */
function fakeRoot(prefix: string, withNode: boolean, unitFiles = units): string {
  const root = scratchDir(prefix).dir;
  cpSync('/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
  for (const [name, text] of Object.entries(unitFiles))
    writeFileSync(join(root, 'etc/systemd/system', name), text);
  if (withNode) {
    mkdirSync(join(root, DROPLET_PATHS.nodeDir, 'bin'), { recursive: true });
    copyFileSync('/bin/true', join(root, DROPLET_PATHS.nodeBin));
    chmodSync(join(root, DROPLET_PATHS.nodeBin), 0o755);
  }
  return root;
}

const root = fakeRoot('verify-root', true);
const rootWithoutNode = fakeRoot('verify-root-no-node', false);
const warmRoot = fakeRoot('verify-root-warm', true, warmUnits);

/** The overall exposure from `systemd-analyze security --offline=true` (0 safest, 10 worst). */
function exposure(unitName: string, inRoot = root): number {
  const result = run('systemd-analyze', [
    'security',
    '--offline=true',
    '--no-pager',
    join(inRoot, 'etc/systemd/system', unitName),
  ]);
  const match = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(result.stdout + result.stderr);
  if (!match?.[1]) throw new Error(`no exposure score in:\n${result.stdout}${result.stderr}`);
  return Number(match[1]);
}

describe('systemd units', () => {
  it.each(Object.keys(units))('%s passes `systemd-analyze verify` without a warning', (name) => {
    const result = run('systemd-analyze', ['verify', `--root=${root}`, name]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('verify fails when ExecStart’s binary is missing (the check bites)', () => {
    const result = run('systemd-analyze', ['verify', `--root=${rootWithoutNode}`, GATEWAY_UNIT_NAME]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(DROPLET_PATHS.nodeBin);
  });

  it('the monitor unit’s exposure is at most 2.5', () => {
    const score = exposure(MONITOR_UNIT_NAME);
    console.info(`${MONITOR_UNIT_NAME} exposure: ${score}`);
    expect(score).toBeLessThanOrEqual(2.5);
  });

  it('the gateway unit’s exposure is at most 5.0', () => {
    const score = exposure(GATEWAY_UNIT_NAME);
    console.info(`${GATEWAY_UNIT_NAME} exposure: ${score}`);
    expect(score).toBeLessThanOrEqual(5.0);
  });

  it.each(Object.keys(units))(
    '%s filters system calls with an allow-list (its first SystemCallFilter= line)',
    (name) => {
      expect(/^SystemCallFilter=(.*)$/m.exec(units[name] ?? '')?.[1]).toBe('@system-service');
    },
  );

  it('only the monitor can be enabled; the gateway has no [Install] section', () => {
    expect(units[MONITOR_UNIT_NAME]).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
    expect(units[GATEWAY_UNIT_NAME]).not.toContain('[Install]');
  });

  it.each(Object.keys(warmUnits))(
    'warm standby: %s passes `systemd-analyze verify` without a warning',
    (name) => {
      const result = run('systemd-analyze', ['verify', `--root=${warmRoot}`, name]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );

  it('warm standby: the gateway is enabled at boot once deployed, admits the switch folder, and keeps its exposure', () => {
    const gateway = warmUnits[GATEWAY_UNIT_NAME];
    expect(gateway).toMatch(/^\[Install\]\nWantedBy=multi-user\.target$/m);
    expect(gateway).toContain(`ConditionPathExists=${DROPLET_PATHS.openclawConfig}\n`);
    expect(gateway).toContain(`ConditionPathExists=${DROPLET_PATHS.gatewayEnv}\n`);
    expect(gateway).toContain(`Environment=OPENCLAW_INCLUDE_ROOTS=${DROPLET_PATHS.channelSwitchDir}\n`);
    expect(warmUnits[MONITOR_UNIT_NAME]).toMatch(
      new RegExp(`^ReadWritePaths=.* ${DROPLET_PATHS.channelSwitchDir}$`, 'm'),
    );
    expect(exposure(GATEWAY_UNIT_NAME, warmRoot)).toBe(exposure(GATEWAY_UNIT_NAME));
    expect(exposure(MONITOR_UNIT_NAME, warmRoot)).toBe(exposure(MONITOR_UNIT_NAME));
  });

  it('the monitor is a notify service with a watchdog that does not restart on a bad config', () => {
    const monitor = units[MONITOR_UNIT_NAME];
    for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=30', 'RestartPreventExitStatus=78']) {
      expect(monitor).toMatch(new RegExp(`^${line}$`, 'm'));
    }
  });

  it('systemctl reload checks the monitor config against the watchdog first, then sends SIGHUP', () => {
    const reloads = units[MONITOR_UNIT_NAME]?.match(/^ExecReload=.*$/gm);
    expect(reloads).toEqual([
      `ExecReload=${DROPLET_PATHS.nodeBin} ${DROPLET_PATHS.monitorBundle} check-config ${DROPLET_PATHS.monitorConfig} --watchdog-seconds 30`,
      'ExecReload=/bin/kill -HUP $MAINPID',
    ]);
  });
});

describe('polkit rule', () => {
  type Rule = (action: { id: string; lookup(key: string): string }, subject: { user: string }) => string;
  const results = { YES: 'yes', NOT_HANDLED: 'not-handled' };
  let rule: Rule | undefined;
  runInNewContext(renderPolkitRule(), {
    polkit: {
      Result: results,
      addRule: (fn: Rule) => {
        rule = fn;
      },
    },
  });
  const decide = (user: string, unit: string, verb: string) =>
    rule?.(
      { id: 'org.freedesktop.systemd1.manage-units', lookup: (key) => (key === 'unit' ? unit : verb) },
      { user },
    );

  it('lets the monitor user start, stop and kill the gateway unit (kill: a stop past its deadline)', () => {
    for (const verb of ['start', 'stop', 'kill'])
      expect(decide(MONITOR_USER, GATEWAY_UNIT_NAME, verb)).toBe('yes');
  });

  it('grants nothing else: other units, other users, other verbs', () => {
    expect(decide(MONITOR_USER, 'ssh.service', 'stop')).toBe('not-handled');
    expect(decide(MONITOR_USER, GATEWAY_UNIT_NAME, 'restart')).toBe('not-handled');
    expect(decide(MONITOR_USER, GATEWAY_UNIT_NAME, 'reload')).toBe('not-handled');
    expect(decide('openclaw', GATEWAY_UNIT_NAME, 'start')).toBe('not-handled');
  });
});
