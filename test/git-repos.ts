// Real git repositories for the tests that sync a workspace: a bare remote holding one commit
// (MEMORY.md "v1") and clones of it, as the primary and the standby have.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** git in `cwd` with a throwaway identity; stdout, trimmed. */
export const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();

/** `dir/remote.git` with one commit, and a clone of it at `dir/<name>` for each name, in order. */
export function remoteWithClones<N extends string>(
  dir: string,
  ...names: N[]
): { remote: string } & Record<N, string> {
  const remote = join(dir, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  const clones = Object.fromEntries(names.map((name) => [name, join(dir, name)])) as Record<N, string>;
  names.forEach((name, i) => {
    execFileSync('git', ['clone', '-q', remote, clones[name]], { stdio: 'ignore' });
    if (i > 0) return;
    writeFileSync(join(clones[name], 'MEMORY.md'), 'v1\n');
    git(clones[name], 'add', '-A');
    git(clones[name], 'commit', '-qm', 'v1');
    git(clones[name], 'push', '-q', 'origin', 'HEAD:main');
  });
  return { remote, ...clones };
}
