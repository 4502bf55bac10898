// The rendered deploy script run for real, as root, once per `pulumi up`: each run in a private
// mount namespace where /etc, /var/lib and /opt are overlays kept in a scratch dir (so the droplet's
// files persist from run to run and the host is untouched), with the real monitor bundle and a
// systemctl stand-in that records what it was asked. It installs what changed and restarts or
// reloads the monitor only as much as that needs.
import { execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DROPLET_PATHS as P,
  renderDeployScript,
  STAGED_FILES,
  STAGING_DIR,
  WORKSPACE_GROUP,
} from '../../cloud-init/index.js';
import { BUNDLE } from '../../lab/bundle.js';
import { remoteWithClones } from '../git-repos.js';
import { run, scratchDir } from './validators.js';

const scratch = scratchDir('deploy-script');
const dir = (...parts: string[]) => join(scratch.dir, ...parts);
const scripts = {
  withWorkspace: (gitUrl: string) => withWorkspace(gitUrl),
  withoutToken: scratch.write(
    'deploy.sh',
    renderDeployScript({
      monitorWatchdogSeconds: 30,
      primaryToken: false,
      ownerDmToken: false,
      standbyMode: 'cold',
    }),
  ),
  withToken: scratch.write(
    'deploy-token.sh',
    renderDeployScript({
      monitorWatchdogSeconds: 30,
      primaryToken: true,
      ownerDmToken: false,
      standbyMode: 'cold',
    }),
  ),
};
const withWorkspace = (gitUrl: string) =>
  scratch.write(
    'deploy-workspace.sh',
    renderDeployScript({
      monitorWatchdogSeconds: 30,
      primaryToken: false,
      ownerDmToken: false,
      standbyMode: 'cold',
      workspace: { gitUrl, author: { name: 'standby', email: 'standby@example.invalid' } },
    }),
  );
const stage = dir('stage');
const calls = dir('systemctl-calls');
const active = dir('monitor-active');

const monitorConfig = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    primary: { url: 'http://100.101.102.103:18789' },
    gateway: { manager: 'systemd', unit: 'openclaw.service', readyUrl: 'http://127.0.0.1:18789/readyz' },
    stateFile: P.monitorStateFile,
    ...overrides,
  });

/** Stages the files of one push: always the small ones, the bundle only when given. */
function push(config: string, bundle?: string, primaryToken?: string): void {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  writeFileSync(join(stage, STAGED_FILES.openclawConfig), '{}\n');
  writeFileSync(join(stage, STAGED_FILES.gatewayEnv), 'OPENCLAW_GATEWAY_TOKEN="t"\n');
  writeFileSync(join(stage, STAGED_FILES.monitorConfig), config);
  if (bundle !== undefined) copyFileSync(bundle, join(stage, STAGED_FILES.monitorBundle));
  if (primaryToken !== undefined) writeFileSync(join(stage, STAGED_FILES.primaryToken), `${primaryToken}\n`);
}

/** Runs the deploy script on the "droplet"; returns its exit code, log and the systemctl verbs. */
function deploy(script = scripts.withoutToken): { status: number | null; log: string; systemctl: string[] } {
  writeFileSync(calls, '');
  const inner = `set -euo pipefail
for d in etc var/lib opt srv; do
  mkdir -p "$SCRATCH/upper/$d" "$SCRATCH/work/$d"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$SCRATCH/upper/$d,workdir=$SCRATCH/work/$d" "/$d"
done
for user in openclaw openclaw-failover; do id "$user" >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin "$user"; done
getent group ${WORKSPACE_GROUP} >/dev/null || groupadd -r ${WORKSPACE_GROUP}
mkdir -p ${STAGING_DIR} ${P.monitorConfigDir} ${P.gatewayEnvDir} ${P.openclawStateDir} ${P.monitorBundleDir} ${P.nodeDir}/bin
ln -sf "$NODE" ${P.nodeBin}
touch ${P.firstBootMarker}
cp "$SCRATCH/stage/." ${STAGING_DIR}/ -r
PATH="$SCRATCH/bin:$PATH" bash "$SCRIPT"
`;
  const env = { ...process.env, SCRATCH: scratch.dir, SCRIPT: script, NODE: process.execPath };
  const result = run('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', inner], { env });
  const systemctl = readFileSync(calls, 'utf8').split('\n').filter(Boolean);
  return { status: result.status, log: result.stdout + result.stderr, systemctl };
}

/** What the run asked systemctl to do to the monitor, beyond asking whether it runs. */
const actions = (systemctl: string[]) =>
  systemctl.filter((c) => /^(restart|reload|reload-or-restart|start|stop) /.test(c));

/** A file of the droplet, as the last run left it. */
const onDroplet = (path: string) => readFileSync(dir('upper', path), 'utf8');

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error('the deploy script test needs root (mount namespaces)');
  mkdirSync(dir('bin'));
  // Answers is-active from a file the test sets; records every call.
  writeFileSync(
    dir('bin', 'systemctl'),
    `#!/bin/bash\necho "$*" >> ${calls}\nif [[ $1 == is-active ]]; then [[ -f ${active} ]]; exit; fi\n`,
    { mode: 0o755 },
  );
});

describe('the deploy script on a droplet, push after push', () => {
  const changedBundle = dir('changed-bundle.mjs');

  it('first push: installs everything and starts the monitor', () => {
    push(monitorConfig(), BUNDLE);
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual(['restart openclaw-failover.service']);
    expect(onDroplet(P.monitorConfig)).toBe(monitorConfig());
    expect(onDroplet(P.monitorBundle)).toBe(readFileSync(BUNDLE, 'utf8'));
    // No workspace repository: the gateway still gets its workspace folder (it answers nothing without it).
    const workspace = statSync(dir('upper', P.workspace));
    expect(workspace.isDirectory()).toBe(true);
    expect(workspace.mode & 0o7777).toBe(0o2770);
    writeFileSync(active, '');
  });

  it('the same files again: nothing for the monitor', () => {
    push(monitorConfig());
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual([]);
    expect(r.log).toContain('the monitor needs: none');
  });

  it('new thresholds: a reload in place', () => {
    push(monitorConfig({ failThreshold: 5, checkIntervalSeconds: 10 }));
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual(['reload-or-restart openclaw-failover.service']);
    expect(JSON.parse(onDroplet(P.monitorConfig))).toMatchObject({ failThreshold: 5 });
  });

  it('a primary token: a reload when it comes, when it changes alone, and when it goes', () => {
    const withTokenFile = monitorConfig({
      failThreshold: 5,
      checkIntervalSeconds: 10,
      primary: { url: 'http://100.101.102.103:18789', tokenFile: P.primaryTokenFile },
    });
    for (const token of ['token-one', 'token-two']) {
      push(withTokenFile, undefined, token);
      const r = deploy(scripts.withToken);
      expect(r.status, r.log).toBe(0);
      expect(actions(r.systemctl)).toEqual(['reload-or-restart openclaw-failover.service']);
      expect(onDroplet(P.primaryTokenFile)).toBe(`${token}\n`);
    }
    push(withTokenFile, undefined, 'token-two');
    expect(actions(deploy(scripts.withToken).systemctl)).toEqual([]);
    push(monitorConfig({ failThreshold: 5, checkIntervalSeconds: 10 }));
    const r = deploy();
    expect(actions(r.systemctl)).toEqual(['reload-or-restart openclaw-failover.service']);
    expect(() => onDroplet(P.primaryTokenFile)).toThrow(/ENOENT/);
  });

  it('the same bundle staged again: nothing; a changed bundle: a restart', () => {
    push(monitorConfig({ failThreshold: 5, checkIntervalSeconds: 10 }), BUNDLE);
    expect(actions(deploy().systemctl)).toEqual([]);
    copyFileSync(BUNDLE, changedBundle);
    appendFileSync(changedBundle, '// a new build\n');
    push(monitorConfig({ failThreshold: 5, checkIntervalSeconds: 10 }), changedBundle);
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual(['restart openclaw-failover.service']);
    expect(onDroplet(P.monitorBundle)).toBe(readFileSync(changedBundle, 'utf8'));
  });

  it('a restart-only key (another state file): a restart', () => {
    push(
      monitorConfig({
        failThreshold: 5,
        checkIntervalSeconds: 10,
        stateFile: '/var/lib/openclaw-failover/s.json',
      }),
    );
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual(['restart openclaw-failover.service']);
  });

  it('a config that does not fit the watchdog: fails naming the key, installs nothing', () => {
    const before = onDroplet(P.monitorConfig);
    push(monitorConfig({ checkIntervalSeconds: 40 }));
    const r = deploy();
    expect(r.status).not.toBe(0);
    expect(r.log).toMatch(/checkIntervalSeconds: 40 s does not fit the systemd watchdog \(WatchdogSec=30\)/);
    expect(onDroplet(P.monitorConfig)).toBe(before);
    expect(actions(r.systemctl)).toEqual([]);
  });

  it('a run cut short after the install: the next run does the restart it had decided', () => {
    writeFileSync(dir('upper', P.monitorPendingAction), 'restart\n');
    push(onDroplet(P.monitorConfig));
    const r = deploy();
    expect(r.status, r.log).toBe(0);
    expect(actions(r.systemctl)).toEqual(['restart openclaw-failover.service']);
    expect(() => onDroplet(P.monitorPendingAction)).toThrow(/ENOENT/);
  });

  it('a monitor that is not running is started, whatever changed', () => {
    rmSync(active);
    push(onDroplet(P.monitorConfig));
    expect(actions(deploy().systemctl)).toEqual(['restart openclaw-failover.service']);
  });

  it('a workspace repository configured later: the folder the gateway used is kept beside the clone', () => {
    writeFileSync(dir('upper', P.workspace, 'NOTES.md'), 'written before any repository\n');
    const { remote } = remoteWithClones(dir('git'), 'seed');
    chmodSync(scratch.dir, 0o755);
    push(onDroplet(P.monitorConfig));
    writeFileSync(join(stage, STAGED_FILES.workspaceDeployKey), 'not used by a local remote\n');
    // The monitor user clones; git serves a local repository only to its owner.
    const monitorUid = /^openclaw-failover:x:(\d+):/m.exec(onDroplet('/etc/passwd'))?.[1] ?? '';
    execFileSync('chown', ['-R', monitorUid, remote]);
    const r = deploy(scripts.withWorkspace(remote));
    expect(r.status, r.log).toBe(0);
    expect(onDroplet(`${P.workspace}/MEMORY.md`)).toBe('v1\n');
    const aside = readdirSync(dir('upper', dirname(P.workspace))).filter((n) => n.includes('.local-'));
    expect(aside).toHaveLength(1);
    expect(onDroplet(`${dirname(P.workspace)}/${aside[0]}/NOTES.md`)).toBe('written before any repository\n');
  });
});
