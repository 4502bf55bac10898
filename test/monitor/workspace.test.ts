// The workspace sync against real git (workspace-lab.ts): pull before a promotion, push-back
// after a demotion, and a promotion from what was fetched last.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cleanUpAfterEach,
  FAILOVER_BRANCH,
  git,
  headOf,
  IDENTITY,
  isClean,
  makeLab,
  primaryPushes,
  remoteRefs,
  syncFor,
} from './workspace-lab.js';

cleanUpAfterEach();

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
