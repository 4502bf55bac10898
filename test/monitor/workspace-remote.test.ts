// The workspace sync when the remote is not there or hangs: bounded, non-interactive, nothing
// left behind, and nothing lost (workspace-lab.ts).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  cleanUpAfterEach,
  git,
  headOf,
  isClean,
  type Lab,
  makeLab,
  processesIn,
  startSilentServer,
  syncFor,
  timedFailure,
  waitUntil,
} from './workspace-lab.js';

cleanUpAfterEach();

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
