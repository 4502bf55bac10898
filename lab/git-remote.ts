// The workspace's git remote, served across the link by `git daemon` in the primary's namespace,
// so "remote unreachable" is real: a partition or a stopped daemon makes the standby's git fail
// the way it fails in production. The bare repository itself is a folder the test reads directly.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIMARY_IP } from './netns.js';
import { NsProcess } from './ns-process.js';

const GIT_PORT = 9418;
const REPO = 'workspace.git';
const READY_TIMEOUT_MS = 5000;

const git = (args: string[], cwd?: string) =>
  execFileSync('git', ['-c', 'user.name=lab', '-c', 'user.email=lab@lab', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();

export class GitRemote {
  readonly bare: string;
  readonly url = `git://${PRIMARY_IP}:${GIT_PORT}/${REPO}`;
  #daemon: NsProcess | undefined;

  /** A bare repository under `dir` with one commit on main, the way the primary leaves it. */
  constructor(
    private readonly dir: string,
    private readonly primaryNs: string,
    private readonly standbyNs: string,
  ) {
    this.bare = join(dir, REPO);
    git(['init', '-q', '--bare', '-b', 'main', this.bare]);
    const seed = mkdtempSync(join(dir, 'seed-'));
    git(['clone', '-q', this.bare, seed]);
    writeFileSync(join(seed, 'MEMORY.md'), 'written by the primary\n');
    git(['add', '-A'], seed);
    git(['commit', '-qm', 'primary'], seed);
    git(['push', '-q', 'origin', 'HEAD:main'], seed);
    rmSync(seed, { recursive: true, force: true });
  }

  /** Serves the repository (pushes allowed) on the primary's address; resolves once the standby can reach it. */
  async serve(): Promise<void> {
    // git-daemon itself, not the `git daemon` wrapper: the wrapper's pid is not the listener's.
    const daemon = join(git(['--exec-path']), 'git-daemon');
    this.#daemon = new NsProcess(this.primaryNs, [
      daemon,
      '--reuseaddr',
      '--export-all',
      '--enable=receive-pack',
      `--base-path=${this.dir}`,
      `--listen=${PRIMARY_IP}`,
      `--port=${GIT_PORT}`,
      this.dir,
    ]);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!this.#reachable()) {
      if (Date.now() > deadline || !this.#daemon.running) {
        throw new Error(`git daemon not reachable from the standby: ${this.#daemon.output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The remote becomes unreachable (connection refused), as when the git host is down. */
  async stop(): Promise<void> {
    await this.#daemon?.kill();
    this.#daemon = undefined;
  }

  #reachable(): boolean {
    const args = ['netns', 'exec', this.standbyNs, 'git', 'ls-remote', this.url];
    return spawnSync('ip', args, { stdio: 'ignore', timeout: 2000 }).status === 0;
  }

  /** The standby's workspace: a clone made from inside the standby's namespace, across the link. */
  cloneForStandby(path: string): void {
    execFileSync('ip', ['netns', 'exec', this.standbyNs, 'git', 'clone', '-q', this.url, path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }

  /** A commit on main made meanwhile by the primary, so the standby's push-back has to diverge. */
  commitAsPrimary(file: string, content: string): void {
    const clone = mkdtempSync(join(this.dir, 'primary-'));
    git(['clone', '-q', this.bare, clone]);
    writeFileSync(join(clone, file), content);
    git(['add', '-A'], clone);
    git(['commit', '-qm', `primary writes ${file}`], clone);
    git(['push', '-q', 'origin', 'HEAD:main'], clone);
    rmSync(clone, { recursive: true, force: true });
  }

  /** Every version of `file` in `branch`'s history, newest first. */
  history(file: string, branch: string): string[] {
    const commits = git(['--git-dir', this.bare, 'log', '--format=%H', branch, '--', file]);
    return commits
      .split('\n')
      .filter(Boolean)
      .map((commit) => git(['--git-dir', this.bare, 'show', `${commit}:${file}`]));
  }

  /** `file`'s content on main and on every failover/ branch that has it: where a push-back may land. */
  find(file: string): { branch: string; content: string }[] {
    const branches = git(['--git-dir', this.bare, 'for-each-ref', '--format=%(refname:short)', 'refs/heads'])
      .split('\n')
      .filter((b) => b === 'main' || b.startsWith('failover/'));
    return branches.flatMap((branch) => {
      const shown = spawnSync('git', ['--git-dir', this.bare, 'show', `${branch}:${file}`], {
        encoding: 'utf8',
      });
      return shown.status === 0 ? [{ branch, content: shown.stdout }] : [];
    });
  }
}
