// The workspace sync against real git: a bare "remote", a primary clone that pushes, and the
// standby's clone as the workspace, all in a temp dir. Network only on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkspaceConfig } from '../../monitor/src/config.js';
import { createWorkspaceSync } from '../../monitor/src/workspace.js';

const HOST = 'standby-1';
const NOW = new Date('2026-11-24T18:15:00.000Z');
const FAILOVER_BRANCH = 'failover/standby-1-20261124T181500Z';
const IDENTITY = 'openclaw-failover <openclaw-failover@standby-1>';

/** Undone after each test: temp dirs removed, servers closed. */
const cleanups: (() => void | Promise<void>)[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const headOf = (repo: string) => git(repo, 'rev-parse', 'HEAD');

function commitFile(repo: string, file: string, content: string): string {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', file);
  git(repo, 'commit', '--quiet', '-m', `write ${file}`);
  return headOf(repo);
}

type Lab = ReturnType<typeof makeLab>;

function primaryPushes(lab: Lab, file: string, content: string): string {
  const sha = commitFile(lab.primary, file, content);
  git(lab.primary, 'push', '--quiet');
  return sha;
}

/** A remote, a primary that has pushed one commit, and the standby's clone. */
function makeLab(branch = 'main') {
  const root = mkdtempSync(join(tmpdir(), 'workspace-sync-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  // The primary's commits need an identity, and no git config of the machine running the tests
  // may leak in (signing, hooks, default branch): a global config of our own, no system config.
  writeFileSync(join(root, 'gitconfig'), '[user]\n\tname = Primary Agent\n\temail = agent@primary.test\n');
  vi.stubEnv('GIT_CONFIG_GLOBAL', join(root, 'gitconfig'));
  vi.stubEnv('GIT_CONFIG_NOSYSTEM', '1');
  const at = (name: string) => join(root, name);
  const lab = { root, remote: at('remote.git'), primary: at('primary'), standby: at('standby') };
  git(root, 'init', '--quiet', '--bare', `--initial-branch=${branch}`, lab.remote);
  git(root, 'clone', '--quiet', lab.remote, lab.primary);
  commitFile(lab.primary, 'MEMORY.md', 'first memory\n');
  git(lab.primary, 'push', '--quiet', '--set-upstream', 'origin', 'HEAD');
  git(root, 'clone', '--quiet', lab.remote, lab.standby);
  return lab;
}

function syncFor(lab: Lab, overrides: Partial<WorkspaceConfig> = {}) {
  const cfg = {
    path: lab.standby,
    timeoutSeconds: 10,
    pushBack: true,
    fetchIntervalSeconds: 60,
    ...overrides,
  };
  return createWorkspaceSync(cfg, { host: HOST, now: () => NOW });
}

const remoteRefs = (lab: Lab) => git(lab.remote, 'for-each-ref', '--format=%(refname) %(objectname)');
const isClean = (repo: string) => git(repo, 'status', '--porcelain') === '';

/** Command lines of the processes whose working directory is inside `dir`: git left behind. */
function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) {
        found.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
      }
    } catch {
      // Exited while we looked, or another user's process: neither is ours.
    }
  }
  return found;
}

/** Polls `condition` every 20 ms until it holds or 2 s have passed. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 2000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Accepts connections on loopback and never answers: a half-dead host, as git sees it. */
async function startSilentServer(): Promise<{ port: number; connections: Set<Socket> }> {
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    socket.on('error', () => undefined);
    // Read (and drop) what git sends, or the peer's FIN is never seen and 'close' never comes.
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const socket of connections) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return { port: address.port, connections };
}

/** Runs `work`, which must reject; returns the rejection's message and how long it took. */
async function timedFailure(work: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const started = performance.now();
  const message = await work().then(
    () => 'resolved, but should have rejected',
    (err: Error) => err.message,
  );
  return { message, ms: performance.now() - started };
}

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('pull before the standby gateway starts', () => {
  it("brings the primary's new commit, then is a no-op once current", async () => {
    const lab = makeLab();
    const sync = syncFor(lab);
    const sha = primaryPushes(lab, 'MEMORY.md', 'second memory\n');

    expect(await sync.pull()).toEqual({ updated: true, head: sha });
    expect(readFileSync(join(lab.standby, 'MEMORY.md'), 'utf8')).toBe('second memory\n');
    expect(await sync.pull()).toEqual({ updated: false, head: sha });
  });

  it('commits uncommitted leftovers of an interrupted failover instead of losing them', async () => {
    const lab = makeLab();
    writeFileSync(join(lab.standby, 'notes.md'), 'left over\n');
    writeFileSync(join(lab.standby, 'MEMORY.md'), 'edited, never committed\n');

    const result = await syncFor(lab).pull();

    expect(result.head).toBe(headOf(lab.standby));
    expect(isClean(lab.standby)).toBe(true);
    expect(git(lab.standby, 'show', 'HEAD:notes.md')).toBe('left over');
    expect(git(lab.standby, 'show', 'HEAD:MEMORY.md')).toBe('edited, never committed');
    expect(git(lab.standby, 'log', '-1', '--format=%an <%ae>')).toBe(IDENTITY);
    expect(git(lab.standby, 'log', '-1', '--format=%s')).toMatch(/standby-1.*2026-11-24T18:15:00Z/);
  });

  it('keeps the leftovers committed when it cannot fast-forward; pushBack then parks them', async () => {
    const lab = makeLab();
    const sync = syncFor(lab);
    writeFileSync(join(lab.standby, 'notes.md'), 'left over\n');
    const primaryHead = primaryPushes(lab, 'MEMORY.md', 'second memory\n');

    await expect(sync.pull()).rejects.toThrow(/git merge --ff-only.*fast-forward/i);
    expect(git(lab.standby, 'show', 'HEAD:notes.md')).toBe('left over');

    expect(await sync.pushBack()).toEqual({ committed: false, pushedTo: FAILOVER_BRANCH, head: primaryHead });
    expect(git(lab.remote, 'show', `${FAILOVER_BRANCH}:notes.md`)).toBe('left over');
  });
});

describe('pushBack after the standby gateway stopped', () => {
  it.each(['main', 'master'])('fast-forwards the tracked branch (%s)', async (branch) => {
    const lab = makeLab(branch);
    const sync = syncFor(lab);
    await sync.pull();
    writeFileSync(join(lab.standby, 'notes.md'), 'written while active\n');

    const result = await sync.pushBack();

    expect(result).toEqual({ committed: true, pushedTo: branch, head: headOf(lab.standby) });
    expect(git(lab.remote, 'rev-parse', branch)).toBe(result.head);
    expect(git(lab.remote, 'show', `${branch}:notes.md`)).toBe('written while active');
    expect(git(lab.standby, 'log', '-1', '--format=%an <%ae>|%cn <%ce>')).toBe(`${IDENTITY}|${IDENTITY}`);
    expect(git(lab.standby, 'log', '-1', '--format=%s')).toMatch(/standby-1.*2026-11-24T18:15:00Z/);
  });

  it('parks the commit on a failover branch when the primary pushed meanwhile, then follows upstream', async () => {
    const lab = makeLab();
    const sync = syncFor(lab);
    await sync.pull();
    writeFileSync(join(lab.standby, 'notes.md'), 'written while active\n');
    const primaryHead = primaryPushes(lab, 'MEMORY.md', 'primary kept going\n');

    const result = await sync.pushBack();

    expect(result).toEqual({ committed: true, pushedTo: FAILOVER_BRANCH, head: primaryHead });
    expect(git(lab.remote, 'show', `${FAILOVER_BRANCH}:notes.md`)).toBe('written while active');
    expect(git(lab.remote, 'rev-parse', 'main')).toBe(primaryHead);
    expect(headOf(lab.standby)).toBe(primaryHead);
    expect(isClean(lab.standby)).toBe(true);

    const next = primaryPushes(lab, 'MEMORY.md', 'and kept going\n');
    expect(await sync.pull()).toEqual({ updated: true, head: next });
  });

  it('pushes nothing when nothing changed', async () => {
    const lab = makeLab();
    const sync = syncFor(lab);
    await sync.pull();
    const before = remoteRefs(lab);

    expect(await sync.pushBack()).toStrictEqual({ committed: false, head: headOf(lab.standby) });
    expect(remoteRefs(lab)).toBe(before);
  });

  it('with pushBack: false commits locally and pushes nothing', async () => {
    const lab = makeLab();
    const before = remoteRefs(lab);
    writeFileSync(join(lab.standby, 'notes.md'), 'written while active\n');

    const result = await syncFor(lab, { pushBack: false }).pushBack();

    expect(result).toStrictEqual({ committed: true, head: headOf(lab.standby) });
    expect(git(lab.standby, 'show', 'HEAD:notes.md')).toBe('written while active');
    expect(remoteRefs(lab)).toBe(before);
  });
});

describe('a standby that fetched before the remote went away', () => {
  it('promotes from what it fetched last: pull fast-forwards to it and says the fetch failed', async () => {
    const lab = makeLab();
    const sync = syncFor(lab);
    writeFileSync(join(lab.primary, 'MEMORY.md'), 'written on the primary\n');
    git(lab.primary, 'commit', '--quiet', '-am', 'newer');
    git(lab.primary, 'push', '--quiet');
    const newest = headOf(lab.primary);
    const { newestCommitAt } = await sync.fetch();
    expect(newestCommitAt).toBe(Number(git(lab.primary, 'log', '-1', '--format=%ct')));
    expect(headOf(lab.standby)).not.toBe(newest);

    git(lab.standby, 'remote', 'set-url', 'origin', join(lab.root, 'missing.git'));
    const pulled = await sync.pull();
    expect(pulled).toMatchObject({
      updated: true,
      head: newest,
      fetchFailed: expect.stringMatching(/missing\.git/),
    });
    expect(readFileSync(join(lab.standby, 'MEMORY.md'), 'utf8')).toBe('written on the primary\n');
  });
});

describe('a remote that is not there', () => {
  it('unreachable: fetch fails fast; pushBack keeps the commit and pushes it once the remote is back', async () => {
    const lab = makeLab();
    const sync = syncFor(lab, { timeoutSeconds: 10 });
    git(lab.standby, 'remote', 'set-url', 'origin', join(lab.root, 'missing.git'));

    const fetch = await timedFailure(() => sync.fetch());
    expect(fetch.message).toMatch(/git fetch --quiet origin failed.*does not appear to be a git repository/);
    expect(fetch.ms).toBeLessThan(3000);
    expect(await sync.pull()).toMatchObject({
      updated: false,
      fetchFailed: expect.stringMatching(/git fetch origin failed/),
    });

    writeFileSync(join(lab.standby, 'notes.md'), 'written while active\n');
    await expect(sync.pushBack()).rejects.toThrow(/cannot push to origin.*does not appear to be a git/);
    expect(isClean(lab.standby)).toBe(true);
    expect(git(lab.standby, 'show', 'HEAD:notes.md')).toBe('written while active');

    git(lab.standby, 'remote', 'set-url', 'origin', lab.remote);
    const head = headOf(lab.standby);
    expect(await sync.pushBack()).toEqual({ committed: false, pushedTo: 'main', head });
    expect(git(lab.remote, 'show', 'main:notes.md')).toBe('written while active');
  });

  /** Against the hanging remote with timeoutSeconds 1: gives up at about 1 s and leaves no git behind. */
  async function expectGivesUpInTime(lab: Lab, work: () => Promise<unknown>, message: RegExp) {
    const failure = await timedFailure(work);
    expect(failure.message).toMatch(message);
    expect(failure.ms).toBeGreaterThanOrEqual(900);
    expect(failure.ms).toBeLessThan(5000);
    // SIGKILL is sent by the time it rejects; killed helpers take a moment to disappear from /proc.
    await waitUntil(() => processesIn(lab.root).length === 0);
    expect(processesIn(lab.root)).toEqual([]);
  }

  // git:// is handled inside git itself; http:// goes through a git-remote-http child, which the
  // timeout must kill as well.
  it.each(['git', 'http'])('hanging %s remote: gives up in time, leaves no git behind', async (scheme) => {
    const lab = makeLab();
    const server = await startSilentServer();
    git(lab.standby, 'remote', 'set-url', 'origin', `${scheme}://127.0.0.1:${server.port}/x.git`);
    const sync = syncFor(lab, { timeoutSeconds: 1 });

    await expectGivesUpInTime(lab, () => sync.fetch(), /git fetch --quiet origin timed out after 1 s/);

    writeFileSync(join(lab.standby, 'notes.md'), 'written while active\n');
    const pushTimedOut = /git push --porcelain origin HEAD:refs\/heads\/main timed out after 1 s/;
    await expectGivesUpInTime(lab, () => sync.pushBack(), pushTimedOut);
    expect(git(lab.standby, 'show', 'HEAD:notes.md')).toBe('written while active');

    // The kernel closes the killed processes' end of each connection.
    await waitUntil(() => server.connections.size === 0);
    expect(server.connections.size).toBe(0);
  });
});

describe('ssh never waits for an answer', () => {
  // A stand-in `ssh` on PATH that records how git invoked it and fails like an unreachable host.
  function fakeSsh(lab: Lab, name: string): { bin: string; log: string } {
    const bin = mkdtempSync(join(lab.root, 'bin-'));
    const log = join(lab.root, `${name}.log`);
    writeFileSync(join(bin, name), `#!/bin/sh\necho "$*" >> '${log}'\nexit 255\n`, { mode: 0o755 });
    writeFileSync(log, '');
    return { bin, log };
  }

  /** Puts the fake first on PATH and clears any ssh choice of the environment running the tests. */
  function useOnlyPathSsh(bin: string) {
    vi.stubEnv('PATH', `${bin}:${process.env.PATH}`);
    vi.stubEnv('GIT_SSH_COMMAND', undefined);
    vi.stubEnv('GIT_SSH', undefined);
  }

  it('runs ssh in batch mode with a connect timeout', async () => {
    const lab = makeLab();
    const ssh = fakeSsh(lab, 'ssh');
    git(lab.standby, 'remote', 'set-url', 'origin', 'ssh://git.example.invalid/x.git');
    useOnlyPathSsh(ssh.bin);

    await expect(syncFor(lab, { timeoutSeconds: 2.5 }).fetch()).rejects.toThrow(/git fetch/);

    expect(readFileSync(ssh.log, 'utf8')).toMatch(/-o BatchMode=yes -o ConnectTimeout=3 .*example\.invalid/);
  });

  it("respects the user's core.sshCommand", async () => {
    const lab = makeLab();
    const defaultSsh = fakeSsh(lab, 'ssh');
    const userSsh = fakeSsh(lab, 'my-ssh');
    git(lab.standby, 'config', 'core.sshCommand', join(userSsh.bin, 'my-ssh'));
    git(lab.standby, 'remote', 'set-url', 'origin', 'ssh://git.example.invalid/x.git');
    useOnlyPathSsh(defaultSsh.bin);

    await expect(syncFor(lab).fetch()).rejects.toThrow(/git fetch/);

    expect(readFileSync(userSsh.log, 'utf8')).toMatch(/git\.example\.invalid/);
    expect(readFileSync(defaultSsh.log, 'utf8')).toBe('');
  });
});
