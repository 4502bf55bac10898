// Keeps the agent's workspace, a git clone shared with the primary through a remote, in step across
// a failover: pull before the standby gateway starts, commit and push back after it has stopped.
// Two rules shape every line here: nothing written while the standby was active may be lost, and
// no git call may hang the daemon (bounded, never waiting for a password or a host-key answer).
import { spawn } from 'node:child_process';
import type { WorkspaceConfig } from './config.js';

export interface WorkspaceSync {
  /** While standby: fetch the remote, so that a promotion with the remote down still starts from a recent copy. Resolves with the commit time (epoch seconds) of the newest fetched commit of the tracked branch; throws on failure or timeout. */
  fetch(): Promise<{ newestCommitAt: number }>;
  /** Before the standby gateway starts: bring the workspace up to the remote's latest, fast-forward only. A failed fetch (the remote down) still fast-forwards to what the last fetch brought, and says why in `fetchFailed`. Throws with a clear reason (git's stderr) when even that fails. */
  pull(): Promise<{ updated: boolean; head: string; fetchFailed?: string }>;
  /** After the standby gateway stopped: commit what changed while active and push it. Fast-forward to the tracked branch when possible, else push to a new branch `failover/<host>-<UTC time, e.g. 20261124T181500Z>`. Throws if nothing could be pushed; the changes then stay committed locally and the next pushBack pushes them. */
  pushBack(): Promise<{ committed: boolean; pushedTo?: string; head: string }>;
}

interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where the checked-out branch pushes and pulls: `git for-each-ref`'s view of its upstream. */
interface Upstream {
  remote: string;
  /** Full ref name on the remote, e.g. `refs/heads/main`. */
  ref: string;
}

type PushOutcome = { ok: true } | { ok: false; rejected: boolean; reason: string };

const IDENTITY = 'openclaw-failover';

/** 2026-11-24T18:15:00Z: commit messages name the time to the second, in UTC. */
const utcSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
/** 20261124T181500Z: the same instant in a form that is valid inside a ref name. */
const utcCompact = (d: Date) => utcSeconds(d).replace(/[-:]/g, '');

/** A host name reduced to characters git accepts in a ref component. */
const refSafe = (host: string) =>
  host
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+/, '') || 'standby';

/** git's stderr without its advice lines, on one line for a log field. */
const reasonFrom = (stderr: string) =>
  stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('hint:'))
    .join('; ');

export function createWorkspaceSync(
  cfg: WorkspaceConfig,
  opts: { host: string; now?: () => Date },
): WorkspaceSync {
  const now = opts.now ?? (() => new Date());
  const timeoutMs = cfg.timeoutSeconds * 1000;
  const identity = ['-c', `user.name=${IDENTITY}`, '-c', `user.email=${IDENTITY}@${opts.host}`];

  /** Runs one git command in the workspace. Resolves whatever the exit code; rejects on timeout. */
  function run(args: string[], env: NodeJS.ProcessEnv): Promise<GitResult> {
    const command = `git ${args.join(' ')}`;
    return new Promise((resolve, reject) => {
      // Its own process group, so that a timeout also kills what git started (git-remote-https,
      // ssh), which would otherwise live on, holding the hung connection.
      const child = spawn('git', args, {
        cwd: cfg.path,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const timer = setTimeout(() => {
        timedOut = true;
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            // The group is already gone: git exited just as the timer fired.
          }
        }
        // Stop reading: a helper that escaped the group and still holds the pipes open must not
        // delay 'close', which then waits only for git itself to die.
        child.stdout.destroy();
        child.stderr.destroy();
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${command} in ${cfg.path}: ${err.message}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) {
          const detail = reasonFrom(stderr);
          reject(
            new Error(`${command} timed out after ${cfg.timeoutSeconds} s${detail ? `: ${detail}` : ''}`),
          );
        } else {
          resolve({ code, stdout, stderr });
        }
      });
    });
  }

  let envWithSsh: NodeJS.ProcessEnv | undefined;

  /** The environment for every git call: no terminal prompt, and ssh that fails instead of asking. */
  async function gitEnv(): Promise<NodeJS.ProcessEnv> {
    if (envWithSsh) return envWithSsh;
    const base: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
    // GIT_SSH_COMMAND outranks both GIT_SSH and core.sshCommand: set it only when the user chose no ssh.
    const userChoseSsh =
      base.GIT_SSH_COMMAND !== undefined ||
      base.GIT_SSH !== undefined ||
      (await run(['config', '--get', 'core.sshCommand'], base)).code === 0;
    const connectTimeout = Math.max(1, Math.ceil(cfg.timeoutSeconds));
    envWithSsh = userChoseSsh
      ? base
      : { ...base, GIT_SSH_COMMAND: `ssh -o BatchMode=yes -o ConnectTimeout=${connectTimeout}` };
    return envWithSsh;
  }

  /** Runs git and returns its trimmed stdout; a non-zero exit rejects with git's own reason. */
  async function git(args: string[]): Promise<string> {
    const result = await run(args, await gitEnv());
    if (result.code !== 0) {
      throw new Error(`git ${args.join(' ')} failed (exit ${result.code}): ${reasonFrom(result.stderr)}`);
    }
    return result.stdout.trim();
  }

  const head = () => git(['rev-parse', 'HEAD']);

  async function upstream(): Promise<Upstream> {
    const branch = await run(['symbolic-ref', '--quiet', '--short', 'HEAD'], await gitEnv());
    if (branch.code !== 0) throw new Error(`workspace ${cfg.path} is not on a branch (detached HEAD)`);
    const name = branch.stdout.trim();
    const tracking = await git([
      'for-each-ref',
      '--format=%(upstream:remotename)%00%(upstream:remoteref)',
      `refs/heads/${name}`,
    ]);
    const [remote, ref] = tracking.split('\0');
    if (!remote || !ref) throw new Error(`branch ${name} of workspace ${cfg.path} tracks no remote branch`);
    return { remote, ref };
  }

  /** Commits everything in the tree, untracked files included. Returns whether there was anything. */
  async function commitAll(message: string): Promise<boolean> {
    await git(['add', '-A']);
    const staged = await run(['diff', '--cached', '--quiet'], await gitEnv());
    if (staged.code === 0) return false;
    if (staged.code !== 1) throw new Error(`git diff --cached failed: ${reasonFrom(staged.stderr)}`);
    // Hooks and signing are for people's commits: a failing pre-commit hook or an absent signing
    // key must not keep the failover's changes out of git.
    await git([...identity, '-c', 'commit.gpgSign=false', 'commit', '--no-verify', '--quiet', '-m', message]);
    return true;
  }

  /** A plain push (never forced), so the remote rejects anything that is not a fast-forward. */
  async function push(remote: string, ref: string): Promise<PushOutcome> {
    const result = await run(['push', '--porcelain', remote, `HEAD:${ref}`], await gitEnv());
    if (result.code === 0) return { ok: true };
    // --porcelain marks a ref the remote refused with "!": the remote was reached and said no.
    // Anything else (unreachable, authentication) fails before any ref line is printed.
    const rejected = result.stdout.split('\n').some((line) => line.startsWith('!\t'));
    return { ok: false, rejected, reason: reasonFrom(result.stderr) || result.stdout.trim() };
  }

  const unlocked: WorkspaceSync = {
    async fetch() {
      const { remote } = await upstream();
      await git(['fetch', '--quiet', remote]);
      return { newestCommitAt: Number(await git(['log', '-1', '--format=%ct', '@{upstream}'])) };
    },

    async pull() {
      // Left over from a failover that was interrupted before its pushBack: a commit keeps them
      // safe, and the next pushBack pushes them like any other change.
      await commitAll(`${IDENTITY}: save changes left uncommitted on ${opts.host} (${utcSeconds(now())})`);
      const { remote } = await upstream();
      const fetchFailed = await git(['fetch', remote]).then(
        () => undefined,
        (err: Error) => err.message,
      );
      const before = await head();
      await git(['merge', '--ff-only', '--quiet', '@{upstream}']);
      const after = await head();
      return {
        updated: after !== before,
        head: after,
        ...(fetchFailed === undefined ? {} : { fetchFailed }),
      };
    },

    async pushBack() {
      const at = now();
      // Commit before anything that can fail (no upstream, no network): committed work survives.
      const committed = await commitAll(
        `${IDENTITY}: changes made on ${opts.host} while active (${utcSeconds(at)})`,
      );
      if (!cfg.pushBack) return { committed, head: await head() };

      const { remote, ref } = await upstream();
      const ahead = Number(await git(['rev-list', '--count', '@{upstream}..HEAD']));
      if (ahead === 0) return { committed, head: await head() };

      const tracked = ref.replace(/^refs\/heads\//, '');
      const direct = await push(remote, ref);
      if (direct.ok) return { committed, pushedTo: tracked, head: await head() };
      if (!direct.rejected) {
        throw new Error(`cannot push to ${remote}; the changes stay committed locally: ${direct.reason}`);
      }

      // The primary moved on meanwhile: park the standby's commits on a branch of their own.
      const failoverBranch = `failover/${refSafe(opts.host)}-${utcCompact(at)}`;
      const parked = await push(remote, `refs/heads/${failoverBranch}`);
      if (!parked.ok) {
        throw new Error(
          `${remote} rejected ${tracked} (${direct.reason}) and ${failoverBranch} (${parked.reason}); ` +
            'the changes stay committed locally',
        );
      }

      // Every local commit is now on the remote, so the branch can follow the upstream again:
      // otherwise the next promotion cannot fast-forward and every later pushBack re-parks the
      // same commits. A failed fetch only leaves an older upstream commit, which the next pull
      // fast-forwards from. --keep (not --hard) refuses to touch a file changed since the commit.
      await git(['fetch', remote]).catch(() => undefined);
      await git(['reset', '--keep', '--quiet', '@{upstream}']).catch((err: Error) => {
        throw new Error(`pushed to ${failoverBranch}, but the local branch still holds it: ${err.message}`);
      });
      return { committed, pushedTo: failoverBranch, head: await head() };
    },
  };

  // One sequence of git commands at a time: a background push retry and a promotion's pull would
  // otherwise race for the index lock, and one of them fail.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    fetch: () => exclusive(unlocked.fetch),
    pull: () => exclusive(unlocked.pull),
    pushBack: () => exclusive(unlocked.pushBack),
  };
}
