// The workspace sync's test lab: a bare "remote", a primary clone that pushes, and the standby's
// clone as the workspace, all in a temp dir, plus what the timeout tests need (a silent server,
// the processes left in a folder). Network only on loopback.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, vi } from 'vitest';
import type { WorkspaceConfig } from '../../monitor/src/config.js';
import { createWorkspaceSync } from '../../monitor/src/workspace.js';

const HOST = 'standby-1';
const NOW = new Date('2026-11-24T18:15:00.000Z');
export const FAILOVER_BRANCH = 'failover/standby-1-20261124T181500Z';
export const IDENTITY = 'openclaw-failover <openclaw-failover@standby-1>';

/** Undone after each test: temp dirs removed, servers closed. */
const cleanups: (() => void | Promise<void>)[] = [];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export const headOf = (repo: string) => git(repo, 'rev-parse', 'HEAD');

function commitFile(repo: string, file: string, content: string): string {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', file);
  git(repo, 'commit', '--quiet', '-m', `write ${file}`);
  return headOf(repo);
}

export type Lab = ReturnType<typeof makeLab>;

export function primaryPushes(lab: Lab, file: string, content: string): string {
  const sha = commitFile(lab.primary, file, content);
  git(lab.primary, 'push', '--quiet');
  return sha;
}

/** A remote, a primary that has pushed one commit, and the standby's clone. */
export function makeLab(branch = 'main') {
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

export function syncFor(lab: Lab, overrides: Partial<WorkspaceConfig> = {}) {
  const cfg = {
    path: lab.standby,
    timeoutSeconds: 10,
    pushBack: true,
    fetchIntervalSeconds: 60,
    ...overrides,
  };
  return createWorkspaceSync(cfg, { host: HOST, now: () => NOW });
}

export const remoteRefs = (lab: Lab) => git(lab.remote, 'for-each-ref', '--format=%(refname) %(objectname)');
export const isClean = (repo: string) => git(repo, 'status', '--porcelain') === '';

/** Command lines of the processes whose working directory is inside `dir`: git left behind. */
export function processesIn(dir: string): string[] {
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
export async function waitUntil(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 2000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Accepts connections on loopback and never answers: a half-dead host, as git sees it. */
export async function startSilentServer(): Promise<{ port: number; connections: Set<Socket> }> {
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
export async function timedFailure(work: () => Promise<unknown>): Promise<{ message: string; ms: number }> {
  const started = performance.now();
  const message = await work().then(
    () => 'resolved, but should have rejected',
    (err: Error) => err.message,
  );
  return { message, ms: performance.now() - started };
}

/** Every test file of the lab undoes what it made after each test. */
export function cleanUpAfterEach(): void {
  afterEach(async () => {
    vi.unstubAllEnvs();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
}
