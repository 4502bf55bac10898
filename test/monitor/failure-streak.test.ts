// A failure retried at every try is news once per cause, and so is the success that ends it.
import { describe, expect, it } from 'vitest';
import { FailureStreak } from '../../monitor/src/failure-streak.js';

describe('a streak of failures', () => {
  it('is news at its first failure and at each new cause, and counts every failure from the first', () => {
    const streak = new FailureStreak();
    const before = Date.now();
    expect(['ENOSPC', 'ENOSPC', 'ENOSPC', 'EACCES', 'EACCES', 'ENOSPC'].map((c) => streak.failed(c))).toEqual(
      [true, false, false, true, false, true],
    );
    const current = streak.current;
    expect(current).toMatchObject({ cause: 'ENOSPC', failures: 6 });
    expect(current?.since).toBeGreaterThanOrEqual(before);
    expect(current?.since).toBeLessThanOrEqual(Date.now());
  });

  it('ends at a success, which hands back what it ended once; the next failure starts afresh', () => {
    const streak = new FailureStreak();
    expect(streak.succeeded()).toBeUndefined();
    streak.failed('EMFILE');
    streak.failed('EMFILE');
    expect(streak.succeeded()).toMatchObject({ cause: 'EMFILE', failures: 2 });
    expect(streak.current).toBeUndefined();
    expect(streak.succeeded()).toBeUndefined();
    expect(streak.failed('EMFILE')).toBe(true);
    expect(streak.current).toMatchObject({ failures: 1 });
  });
});
