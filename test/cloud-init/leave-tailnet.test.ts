// The delete step run for real by bash against a real git workspace and its remote, with a
// stand-in for the tailscale CLI that records a logout: it logs out only when nothing in the
// workspace exists on the droplet alone, and otherwise names what deleting it would lose.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLeaveTailnetCommand, renderLeaveTailnetScript } from '../../cloud-init/index.js';
import { git, remoteWithClones } from '../git-repos.js';
import { run, scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('leave-tailnet');

let cases = 0;
/** A workspace cloned from a bare remote with one pushed commit, and the tailscale stand-in. */
function droplet() {
  const dir = join(scratch.dir, String(cases++));
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const { workspace } = remoteWithClones(dir, 'workspace');
  const loggedOut = join(dir, 'logged-out');
  writeFileSync(join(bin, 'tailscale'), `#!/bin/sh\n[ "$1" = logout ] && touch ${loggedOut}\n`);
  chmodSync(join(bin, 'tailscale'), 0o755);
  const leave = (path = workspace) => {
    const result = run('bash', ['-c', renderLeaveTailnetScript({ workspace: path })], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    return { ...result, loggedOut: existsSync(loggedOut) };
  };
  return { workspace, leave };
}

describe('leaving the tailnet when the droplet goes', () => {
  it('logs out when every change is on the remote, or there is no workspace', () => {
    const d = droplet();
    const clean = d.leave();
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.loggedOut).toBe(true);
    const none = droplet().leave('/nonexistent/workspace');
    expect(none.status, none.stderr).toBe(0);
    expect(none.loggedOut).toBe(true);
  });

  it('logs out when the workspace is the gateway’s own (no workspaceRepo: OpenClaw’s git init, no remote)', () => {
    const d = droplet();
    const own = join(scratch.dir, 'gateway-own-workspace');
    mkdirSync(own);
    git(own, 'init', '-q');
    writeFileSync(join(own, 'AGENTS.md'), 'bootstrapped by OpenClaw\n');
    const result = d.leave(own);
    expect(result.status, result.stderr).toBe(0);
    expect(result.loggedOut).toBe(true);
  });

  it('refuses, naming the commits, while a push-back is still waiting', () => {
    const d = droplet();
    writeFileSync(join(d.workspace, 'notes.md'), 'written while active\n');
    git(d.workspace, 'add', '-A');
    git(d.workspace, 'commit', '-qm', 'openclaw-failover: changes made while active');
    const result = d.leave();
    expect(result.status).toBe(1);
    expect(result.loggedOut).toBe(false);
    expect(result.stderr).toMatch(/refusing to delete the standby/);
    expect(result.stderr).toMatch(
      /commits on no remote:\n {2}[0-9a-f]{7,} \S+ openclaw-failover: changes made while active/,
    );
  });

  it('counts a commit parked on a failover/ branch as safe', () => {
    const d = droplet();
    writeFileSync(join(d.workspace, 'notes.md'), 'parked\n');
    git(d.workspace, 'add', '-A');
    git(d.workspace, 'commit', '-qm', 'parked');
    git(d.workspace, 'push', '-q', 'origin', 'HEAD:refs/heads/failover/standby-20261204T190000Z');
    git(d.workspace, 'fetch', '-q', 'origin');
    const result = d.leave();
    expect(result.status, result.stderr).toBe(0);
    expect(result.loggedOut).toBe(true);
  });

  it('refuses, naming the files, while the workspace has uncommitted changes', () => {
    const d = droplet();
    writeFileSync(join(d.workspace, 'MEMORY.md'), 'v2, being written\n');
    writeFileSync(join(d.workspace, 'new.md'), 'new\n');
    const result = d.leave();
    expect(result.status).toBe(1);
    expect(result.loggedOut).toBe(false);
    expect(result.stderr).toMatch(
      /uncommitted files \(is the standby serving\?\):\n {2} M MEMORY\.md\n {2}\?\? new\.md/,
    );
  });

  it('passes shellcheck, and the command runs it as root', () => {
    const result = shellcheck(scratch.write('leave.sh', renderLeaveTailnetScript({ workspace: '/srv/ws' })));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(renderLeaveTailnetCommand()).toMatch(/^sudo bash -c '#!\/bin\/bash\n/);
    expect(renderLeaveTailnetCommand()).toContain('/srv/openclaw-workspace');
  });
});
