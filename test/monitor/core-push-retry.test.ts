// A push-back that failed at demotion leaves changes only on the standby: the watching roles
// retry it after up probes, with a doubling delay capped at a minute, until it lands.
import { describe, expect, it } from 'vitest';
import type { State } from '../../monitor/src/core/model.js';
import { MAX_PUSH_RETRY_SECONDS } from '../../monitor/src/core/push-retry.js';
import { activeDriver, DEFAULTS, Driver, effects, sigs } from './core-helpers.js';

const INTERVAL = DEFAULTS.checkIntervalSeconds;

/** A standby whose push-back at demotion just failed. */
function unpushedStandby(): Driver {
  const d = activeDriver();
  d.advance(DEFAULTS.minActiveSeconds);
  d.probes('u'.repeat(DEFAULTS.recoverThreshold));
  if (d.state.role !== 'demoting') throw new Error(`expected demoting, got ${d.state.role}`);
  d.send({ type: 'demoted', pushFailed: 'remote unreachable' });
  return d;
}

const unpushedOf = (s: State) => (s.role === 'standby' || s.role === 'held' ? s.unpushed : undefined);

/** Up probes until the core orders a push; returns the seconds waited since `from`. */
function untilPush(d: Driver, from: number): number {
  for (let i = 0; i < 100; i++) {
    const at = d.now;
    if (effects(d.probe('up').actions).includes('push')) return at - from;
  }
  throw new Error('no push within 100 probes');
}

describe('retrying a failed push-back', () => {
  it('records the failure at demotion and retries after up probes, once per due time', () => {
    const d = unpushedStandby();
    const demotedAt = d.now;
    expect(d.state.role).toBe('standby');
    expect(unpushedOf(d.state)).toEqual({
      since: demotedAt,
      failures: 1,
      lastError: 'remote unreachable',
      retry: { at: demotedAt + 2 * INTERVAL },
    });
    expect(untilPush(d, demotedAt)).toBe(2 * INTERVAL);
    expect(d.history.at(-1)?.outcome.actions).toEqual([{ type: 'push', attempt: 2 }]);
    expect(unpushedOf(d.state)?.retry).toBe('in-flight');
    // No second push while one is in flight, however long it takes.
    d.probes('u'.repeat(50));
    expect(d.count('push')).toBe(1);
  });

  it('doubles the wait after each failed retry, up to a minute', () => {
    const d = unpushedStandby();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const from = d.now;
      waits.push(untilPush(d, from));
      const failed = d.send({ type: 'push-failed', error: `still unreachable ${i}` });
      expect(sigs(failed.actions)).toEqual(['log:push-retry-failed']);
      expect(unpushedOf(d.state)).toMatchObject({ failures: i + 2, lastError: `still unreachable ${i}` });
    }
    // The first wait counts from the demotion, the next ones from the failed retry.
    expect(waits).toEqual([10, 20, 40, MAX_PUSH_RETRY_SECONDS, 60, 60]);
    // Failures after the first are logged, never notified again.
    expect(d.actionsSince(0).filter((a) => a.type === 'notify' && a.event === 'sync-failed')).toEqual([]);
  });

  it('clears the record and notifies once the push lands', () => {
    const d = unpushedStandby();
    untilPush(d, d.now);
    const landed = d.send({ type: 'pushed' });
    expect(unpushedOf(landed.state)).toBeUndefined();
    expect('unpushed' in landed.state).toBe(false);
    expect(sigs(landed.actions)).toEqual(['log:push-retry-landed', 'notify:sync-recovered']);
    d.probes('u'.repeat(40));
    expect(d.count('push')).toBe(1);
  });

  it('never retries on a failing primary, and a promotion drops the record', () => {
    const d = unpushedStandby();
    d.advance(120);
    d.probes('g d d');
    expect(d.count('push')).toBe(0);
    d.probe('down');
    expect(d.state.role).toBe('promoting');
    expect('unpushed' in d.state).toBe(false);
    // A result arriving after the promotion changes nothing: the next push-back carries the commits.
    const before = d.state;
    const late = d.send({ type: 'pushed' });
    expect(late.state).toBe(before);
    expect(sigs(late.actions)).toEqual(['log:push-result-dropped']);
  });

  it('keeps retrying while held, and through hold and release', () => {
    const d = unpushedStandby();
    d.send({ type: 'hold' });
    expect(d.state.role).toBe('held');
    expect(unpushedOf(d.state)?.failures).toBe(1);
    untilPush(d, d.now);
    d.send({ type: 'push-failed', error: 'x' });
    d.send({ type: 'release' });
    expect(unpushedOf(d.state)).toMatchObject({ failures: 2, lastError: 'x' });
  });

  it('after a restart, a retry that was in flight is due at the first up probe', () => {
    const d = unpushedStandby();
    untilPush(d, d.now);
    const restarted = new Driver(DEFAULTS, { state: d.state, now: d.now + 1 });
    const started = restarted.send({ type: 'start', gatewayRunning: false });
    expect(unpushedOf(started.state)?.retry).toEqual({ at: d.now + 1 });
    expect(effects(restarted.probe('up').actions)).toEqual(['push']);
  });

  it('a demotion whose push-back worked leaves no record', () => {
    const d = activeDriver();
    d.advance(DEFAULTS.minActiveSeconds);
    d.probes('u'.repeat(DEFAULTS.recoverThreshold));
    d.send({ type: 'demoted' });
    expect('unpushed' in d.state).toBe(false);
    d.probes('u'.repeat(30));
    expect(d.count('push')).toBe(0);
  });
});
