// The primary's workspace push, run for real against real git repositories: what it commits and
// pushes, how it merges the standby's failover commits, and that every failure leaves both the
// workspace and the remote as they were, with one line saying what to do.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  renderPrimarySideInstall,
  renderPrimarySideUninstall,
  renderWorkspacePushService,
  renderWorkspacePushTimer,
  WORKSPACE_PUSH_UNIT,
} from '../../cloud-init/primary-side.js';
import { isPrimaryPath, renderWorkspacePushScript } from '../../cloud-init/workspace-push.js';
import { git, remoteWithClones } from '../git-repos.js';
import { run, scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('workspace-push');
let cases = 0;

/** A remote with MEMORY.md "v1" and two fresh clones: the primary's workspace and the standby's. */
function pair() {
  const dir = join(scratch.dir, `case-${++cases}`);
  const { remote, seed } = remoteWithClones(dir, 'seed');
  const clone = (name: string) => {
    const path = join(dir, name);
    execFileSync('git', ['clone', '-q', remote, path]);
    return path;
  };
  return { remote, seed, primary: clone('primary'), standby: clone('standby') };
}

function push(workspace: string) {
  const script = scratch.write(`push-${cases}.sh`, renderWorkspacePushScript(workspace));
  return run('bash', [script]);
}

/** What the standby's push-back does: one commit "failover" with `file`, pushed to `branch`. */
function standbyPushes(standby: string, file: string, content: string, branch: string): void {
  writeFileSync(join(standby, file), content);
  git(standby, 'add', '-A');
  git(standby, 'commit', '-qm', 'failover');
  git(standby, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
}

const remoteLog = (remote: string) => git(remote, 'log', '--format=%s', 'main');

describe('the workspace push script', () => {
  it('passes shellcheck', () => {
    const file = scratch.write('workspace-push.sh', renderWorkspacePushScript('~/.openclaw/workspace'));
    expect(shellcheck(file).stdout).toBe('');
  });

  it('commits what OpenClaw wrote and pushes it; a second run with nothing new does nothing', () => {
    const { remote, primary } = pair();
    writeFileSync(join(primary, 'MEMORY.md'), 'v2\n');
    writeFileSync(join(primary, 'notes.md'), 'new file\n');
    const first = push(primary);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^pushed 1 commit\(s\) to origin refs\/heads\/main/);
    expect(git(remote, 'show', 'main:notes.md')).toBe('new file');
    const again = push(primary);
    expect([again.status, again.stdout]).toEqual([0, '']);
    expect(remoteLog(remote).split('\n')).toHaveLength(2);
  });

  it("merges the standby's failover commits instead of overwriting them, then pushes both", () => {
    const { remote, primary, standby } = pair();
    standbyPushes(standby, 'during-failover.md', 'the standby served\n', 'main');
    writeFileSync(join(primary, 'MEMORY.md'), 'written before the primary died\n');
    const result = push(primary);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('merged 1 commit(s) from origin/main');
    expect(readFileSync(join(primary, 'during-failover.md'), 'utf8')).toBe('the standby served\n');
    expect(git(remote, 'show', 'main:MEMORY.md')).toBe('written before the primary died');
    expect(remoteLog(remote)).toContain('failover');
  });

  it('merges a failover/ branch the standby pushed when the primary had moved on, once', () => {
    const { remote, primary, standby } = pair();
    standbyPushes(standby, 'during-failover.md', 'the standby served\n', 'failover/standby-20261207T180000Z');
    const result = push(primary);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('merged 1 commit(s) from origin/failover/standby-20261207T180000Z');
    expect(git(remote, 'show', 'main:during-failover.md')).toBe('the standby served');
    expect(push(primary).stdout).toBe('');
  });

  it('a conflict with the standby changes nothing on the remote and leaves no merge behind', () => {
    const { remote, primary, standby } = pair();
    standbyPushes(standby, 'MEMORY.md', 'the standby wrote this\n', 'main');
    const before = git(remote, 'rev-parse', 'main');
    writeFileSync(join(primary, 'MEMORY.md'), 'the primary wrote this\n');
    const result = push(primary);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /changes in refs\/remotes\/origin\/main conflict with this workspace: merge it by hand/,
    );
    expect(git(remote, 'rev-parse', 'main')).toBe(before);
    expect(existsSync(join(primary, '.git', 'MERGE_HEAD'))).toBe(false);
    expect(readFileSync(join(primary, 'MEMORY.md'), 'utf8')).toBe('the primary wrote this\n');
    expect(git(primary, 'status', '--porcelain')).toBe('');
  });

  it('an unreachable remote fails the run with one line; the change stays committed for the next', () => {
    const { primary } = pair();
    git(primary, 'remote', 'set-url', 'origin', join(scratch.dir, 'no-such-remote.git'));
    writeFileSync(join(primary, 'MEMORY.md'), 'v2\n');
    const result = push(primary);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/workspace-push: fetching refs\/heads\/main from origin failed/);
    expect(git(primary, 'log', '-1', '--format=%s')).toMatch(/^primary workspace at /);
  });

  it('refuses a workspace it cannot push for, saying what to do', () => {
    const { primary } = pair();
    git(primary, 'checkout', '-q', '-b', 'local-only');
    expect(push(primary).stderr).toMatch(
      /branch local-only has no upstream: git -C .* push -u origin local-only/,
    );
    git(primary, 'checkout', '-q', '--detach');
    expect(push(primary).stderr).toMatch(/HEAD is detached/);
    expect(push(join(scratch.dir, 'nowhere')).stderr).toMatch(/is not a git clone/);
  });

  it('takes absolute and home paths only', () => {
    expect(['/srv/ws', '~/.openclaw/workspace'].every(isPrimaryPath)).toBe(true);
    expect(['relative', '~user/x', '/a/../b', '/a\nb'].some(isPrimaryPath)).toBe(false);
  });
});

describe("the primary side's install", () => {
  const input = {
    workspacePath: '~/.openclaw/workspace',
    openclawConfigPath: '~/.openclaw/openclaw.json',
    pushIntervalSeconds: 30,
    standbyBotId: '123456',
    workspaceRepo: 'git@github.com:owner/workspace.git',
  };

  it.each([
    ['install', renderPrimarySideInstall(input)],
    ['install (Discord)', renderPrimarySideInstall({ ...input, standbyBotId: undefined })],
    ['uninstall', renderPrimarySideUninstall(input.openclawConfigPath)],
  ])('the %s script passes shellcheck', (name, script) => {
    expect(shellcheck(scratch.write(`${name}.sh`, `#!/bin/bash\n${script}`)).stdout).toBe('');
  });

  it('its units pass `systemd-analyze verify` as user units', () => {
    const service = scratch.write(`${WORKSPACE_PUSH_UNIT}.service`, renderWorkspacePushService());
    const timer = scratch.write(`${WORKSPACE_PUSH_UNIT}.timer`, renderWorkspacePushTimer(30));
    // The user manager's runtime directory, which a login would have made.
    const runtime = join(scratch.dir, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const env = { ...process.env, XDG_RUNTIME_DIR: runtime };
    const result = run('systemd-analyze', ['verify', '--user', '--man=no', service, timer], { env });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it("stops before installing anything when the primary's config runs the standby's bot", () => {
    const dir = join(scratch.dir, 'primary-home');
    const { primary, remote } = pair();
    const config = scratch.write(
      'openclaw.json',
      '{ channels: { telegram: { botToken: "123456:secret" } } }',
    );
    const script = renderPrimarySideInstall({
      ...input,
      workspacePath: primary,
      openclawConfigPath: config,
      workspaceRepo: remote,
    });
    const result = run('bash', ['-s'], { input: script, env: { ...process.env, HOME: dir } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("holds the standby's Telegram bot token (bot 123456): remove it there");
    expect(existsSync(dir)).toBe(false);
  });

  it("takes another bot whose id ends in the standby's for another bot", () => {
    const { primary, remote } = pair();
    const config = scratch.write(
      'other-bot.json',
      '{ channels: { telegram: { botToken: "9123456:secret" } } }',
    );
    const script = renderPrimarySideInstall({
      ...input,
      workspacePath: primary,
      openclawConfigPath: config,
      workspaceRepo: remote,
    });
    const result = run('bash', ['-s'], {
      input: script,
      env: { ...process.env, HOME: join(scratch.dir, 'home-2') },
    });
    expect(result.stderr).not.toContain("the standby's Telegram bot token");
  });

  it.each([
    ['git@github.com:Owner/Workspace.git', 'ssh://git@github.com:22/owner/workspace', true],
    ['https://user:tok3n@github.com/owner/workspace', 'git@github.com:owner/workspace.git', true],
    ['git@github.com:owner/workspace.git', 'git@github.com:owner/other.git', false],
    ['git@gitlab.com:owner/workspace.git', 'git@github.com:owner/workspace.git', false],
  ])(
    "takes the primary's remote %s for the standby's workspaceRepo %s: %s",
    (pushUrl, workspaceRepo, same) => {
      const { primary } = pair();
      git(primary, 'remote', 'set-url', 'origin', pushUrl);
      const config = scratch.write('no-bot.json', '{}');
      const script = renderPrimarySideInstall({
        ...input,
        workspacePath: primary,
        openclawConfigPath: config,
        workspaceRepo,
      });
      const result = run('bash', ['-s'], {
        input: script,
        env: { ...process.env, HOME: join(scratch.dir, 'home-3') },
      });
      // Either way this host has no lingering, so a matching remote stops at that later check.
      expect(result.status).toBe(1);
      if (same) expect(result.stderr).not.toContain('pushes to');
      else
        expect(result.stderr).toMatch(
          /pushes to github\.com\/owner\/workspace, but the standby clones git(hub|lab)\.com\/owner\/\w+ \(workspaceRepo\)|pushes to gitlab\.com\/owner\/workspace, but the standby clones github\.com\/owner\/workspace/,
        );
      expect(result.stderr).not.toContain('tok3n');
    },
  );

  it('refuses a bot id that is not one', () => {
    expect(() => renderPrimarySideInstall({ ...input, standbyBotId: "1'; rm -rf ~; '" })).toThrow(/bot id/);
  });
});
