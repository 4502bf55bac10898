// The README's commands set themselves up: every npm script it names goes through the one set-up
// step, and that step names the Debian packages it cannot install instead of letting tests skip.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const SETUP = 'scripts/with-toolchain.sh';
const DEBIAN = join(root, 'scripts/debian-packages.sh');

describe('set-up', () => {
  it('runs before every npm script the README names', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/npm (?:run )?(test|drill|bench)\b/g)].map((m) => m[1] ?? '');
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(new Set(named)).toEqual(new Set(['test', 'drill', 'bench']));
    for (const name of new Set(named)) expect(scripts[name]).toMatch(new RegExp(`^${SETUP} `));
  });

  it('CI only calls the README test command', () => {
    const ci = readFileSync(join(root, '.ci/run'), 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(commands.at(-1)).toBe('npm test');
    expect(ci).not.toMatch(/apt-get/);
  });

  describe('Debian packages', () => {
    // A PATH with bash and the few tools the script itself uses, and none of the packages.
    const bare = mkdtempSync(join(tmpdir(), 'fg-bare-path-'));
    chmodSync(bare, 0o755); // the unprivileged user below must reach it
    afterAll(() => rmSync(bare, { recursive: true, force: true }));
    for (const tool of ['bash', 'id', 'sort']) {
      const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bare, tool));
    }

    it('names every missing package in one line when it cannot install them', () => {
      // As an unprivileged user: apt-get is not tried.
      const run = spawnSync(
        '/usr/bin/setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', join(bare, 'bash'), DEBIAN],
        {
          encoding: 'utf8',
          env: { PATH: bare },
        },
      );
      expect(run.status).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      for (const pkg of ['git', 'cloud-init', 'shellcheck', 'systemd', 'nftables', 'iproute2', 'python3']) {
        expect(lines[0]).toContain(` ${pkg}`);
      }
      expect(lines[0]).toMatch(/run as root/);
    });

    it('is silent and succeeds when everything is there', () => {
      const run = spawnSync('bash', [DEBIAN], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });
  });
});
