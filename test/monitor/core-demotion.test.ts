import { describe, expect, it } from 'vitest';
import { activeDriver, DEFAULTS, Driver, effects, SEED, sigs } from './core-helpers.js';

describe('active → demoting', () => {
  it('waits for the hold-down even when the primary is healthy', () => {
    const d = activeDriver();
    const activeAt = d.state.activeSince ?? Number.NaN;
    expect(d.state.holdDownUntil).toBe(activeAt + 120);
    d.advance(5);
    // 23 up probes at activeAt+5 … activeAt+115: recovered, but inside the hold-down.
    expect(d.probes('u'.repeat(23))).toEqual(Array(23).fill('active'));
    expect(d.state.successes).toBe(23);
    expect(d.count('demote')).toBe(0);
    // The probe at exactly holdDownUntil demotes.
    expect(d.now).toBe(activeAt + 120);
    const o = d.probe('up');
    expect(o.state.role).toBe('demoting');
    expect(sigs(o.actions)).toEqual(['log:transition', 'demote', 'notify:demoting']);
    expect(o.actions[1]).toEqual({ type: 'demote', reason: 'primary healthy for 24 consecutive probes' });
    expect(o.actions[2]).toEqual({
      type: 'notify',
      event: 'demoting',
      message: 'demoting the standby: primary healthy for 24 consecutive probes',
    });
    expect(o.state.since).toBe(activeAt + 120);
  });

  it('after the hold-down, needs recoverThreshold consecutive healthy probes', () => {
    const d = activeDriver();
    d.advance(200);
    expect(d.probes('uu d uu d u')).toEqual(Array(7).fill('active'));
    expect(d.state.successes).toBe(1);
    const last = d.probes('u u');
    expect(last).toEqual(['active', 'demoting']);
    expect(d.count('demote')).toBe(1);
  });

  it('logs the primary coming back before the transition', () => {
    const d = activeDriver();
    d.advance(200);
    d.probes('uu');
    const o = d.probe('up');
    expect(sigs(o.actions)).toEqual(['log:transition', 'demote', 'notify:demoting']);
    const e = activeDriver();
    e.advance(200);
    e.state = { ...e.state, successes: 2 };
    expect(sigs(e.probe('up').actions)).toEqual([
      'log:primary-health',
      'log:transition',
      'demote',
      'notify:demoting',
    ]);
  });

  it('promoteOn "down": degraded probes do not count towards recovery (a restarting primary is not ready)', () => {
    const d = activeDriver();
    d.advance(200);
    expect(d.probes('gggug')).toEqual(Array(5).fill('active'));
    expect(d.state.successes).toBe(0);
    expect(d.probes('uu')).toEqual(['active', 'active']);
    expect(d.probes('u')).toEqual(['demoting']);
  });

  it('promoteOn "unready": degraded probes break the recovery', () => {
    const d = activeDriver({ ...DEFAULTS, promoteOn: 'unready' });
    d.advance(200);
    expect(d.probes('uu g uu')).toEqual(Array(5).fill('active'));
    expect(d.probes('u')).toEqual(['demoting']);
  });

  it('down probes while active change nothing but the counters', () => {
    const d = activeDriver();
    for (let i = 0; i < 50; i++) {
      const o = d.probe('down');
      expect(o.state.role).toBe('active');
      expect(effects(o.actions)).toEqual([]);
      expect(sigs(o.actions)).not.toContain('log:probe-failed');
    }
    expect(d.state.failures).toBe(53);
  });
});

describe('demoting → standby', () => {
  function demotingDriver() {
    const d = activeDriver();
    d.advance(200);
    d.probes('uuu');
    expect(d.state.role).toBe('demoting');
    return d;
  }

  it('demoted returns to standby and clears the active fields', () => {
    const d = demotingDriver();
    const o = d.send({ type: 'demoted' });
    expect(o.state.role).toBe('standby');
    expect(o.state.reason).toBe('standby gateway stopped');
    expect(o.state.failures).toBe(0);
    expect(o.state.activeSince).toBeUndefined();
    expect(o.state.holdDownUntil).toBeUndefined();
    expect(o.state.counters.demotions).toBe(1);
    expect(o.state.counters.promotions).toBe(1);
    expect(o.actions).toEqual([
      {
        type: 'log',
        level: 'info',
        event: 'transition',
        fields: { from: 'demoting', to: 'standby', reason: 'standby gateway stopped' },
      },
      { type: 'notify', event: 'standby', message: 'the standby bot is off again; watching the primary' },
    ]);
    expect(o.state.transitions.map((t) => t.to)).toEqual(['promoting', 'active', 'demoting', 'standby']);
  });

  it('probes while demoting change nothing', () => {
    const d = demotingDriver();
    for (const h of ['down', 'down', 'down', 'down', 'up'] as const) {
      const o = d.probe(h);
      expect(o.state.role).toBe('demoting');
      expect(effects(o.actions)).toEqual([]);
    }
  });

  it('a failed stop goes back to active and retries with a doubling backoff', () => {
    const d = demotingDriver();
    const t1 = d.now;
    const f1 = d.send({ type: 'demote-failed', error: 'timeout' });
    expect(f1.state.role).toBe('active');
    expect(f1.state.attempts).toBe(1);
    expect(f1.state.retryAt).toBe(t1 + 10);
    expect(f1.state.counters.stopFailures).toBe(1);
    expect(f1.actions).toEqual([
      {
        type: 'log',
        level: 'info',
        event: 'transition',
        fields: { from: 'demoting', to: 'active', reason: 'stopping the gateway failed: timeout' },
      },
      { type: 'notify', event: 'stop-failed', message: 'stopping the standby gateway failed: timeout' },
    ]);
    // Recovered primary, but before retryAt: nothing.
    expect(effects(d.probe('up').actions)).toEqual([]);
    expect(d.now).toBe(t1 + 5);
    expect(effects(d.probe('up').actions)).toEqual([]);
    // At retryAt: the demotion is retried.
    expect(d.now).toBe(t1 + 10);
    const r = d.probe('up');
    expect(effects(r.actions)).toEqual(['demote', 'notify:demoting']);
    expect(r.state.role).toBe('demoting');
    // Second failure: the delay doubles.
    const t2 = d.now;
    const f2 = d.send({ type: 'demote-failed', error: 'timeout' });
    expect(f2.state.attempts).toBe(2);
    expect(f2.state.retryAt).toBe(t2 + 20);
    expect(f2.state.counters.stopFailures).toBe(2);
  });

  it('the stop backoff is capped at 300 s, and a success resets the attempts', () => {
    const d = demotingDriver();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const o = d.send({ type: 'demote-failed', error: 'busy' });
      delays.push((o.state.retryAt ?? 0) - d.now);
      d.now = o.state.retryAt ?? d.now;
      d.probe('up');
      expect(d.state.role).toBe('demoting');
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    const ok = d.send({ type: 'demoted' });
    expect(ok.state.role).toBe('standby');
    // A standby carries no attempts: none carry over to the next demotion.
    expect(ok.state).not.toHaveProperty('attempts');
    expect(ok.state.retryAt).toBeUndefined();
  });

  it('a failed stop is not retried while the primary fails again', () => {
    const d = demotingDriver();
    d.send({ type: 'demote-failed', error: 'x' });
    d.advance(100);
    expect(d.probes('dddd')).toEqual(Array(4).fill('active'));
    expect(d.count('demote')).toBe(1);
    expect(d.probes('uu u')).toEqual(['active', 'active', 'demoting']);
  });
});

describe('hysteresis and flapping', () => {
  const flappy = 'dddu'.repeat(25);

  it('defaults: a 3-down/1-up primary promotes exactly once and never demotes', () => {
    const d = new Driver(DEFAULTS, { autoAnswer: true });
    const roles = d.probes(flappy);
    expect(roles.slice(0, 3)).toEqual(['standby', 'standby', 'active']);
    expect(roles.slice(2).every((r) => r === 'active')).toBe(true);
    expect(d.count('promote')).toBe(1);
    expect(d.count('demote')).toBe(0);
    expect(d.state.counters.promotions).toBe(1);
    expect(d.state.counters.demotions).toBe(0);
    expect(d.state.counters.probes).toEqual({ up: 25, degraded: 0, down: 75 });
  });

  it("the seed's settings cycle on every repetition of the same pattern", () => {
    const d = new Driver(SEED, { autoAnswer: true });
    const roles = d.probes(flappy);
    for (let i = 0; i < 25; i++) {
      expect(roles.slice(4 * i, 4 * i + 4)).toEqual(['standby', 'standby', 'active', 'standby']);
    }
    expect(d.count('promote')).toBe(25);
    expect(d.count('demote')).toBe(25);
    expect(d.state.counters.promotions).toBe(25);
    expect(d.state.counters.demotions).toBe(25);
    // minActiveSeconds 0: flap damping has nothing to double.
    expect(d.state.transitions).toHaveLength(20);
  });

  it('flap damping: promotions inside the window double the hold-down', () => {
    const d = new Driver(
      { ...DEFAULTS, minActiveSeconds: 10, flapWindowSeconds: 100_000 },
      { autoAnswer: true },
    );
    const holds: number[] = [];
    for (let i = 0; i < 5; i++) {
      d.probes('ddd');
      expect(d.state.role).toBe('active');
      holds.push((d.state.holdDownUntil ?? 0) - (d.state.activeSince ?? 0));
      for (let n = 0; d.state.role !== 'standby'; n++) {
        if (n > 1000) throw new Error('never demoted');
        d.probe('up');
      }
    }
    expect(holds).toEqual([10, 20, 40, 80, 160]);
    expect(d.state.promotions).toHaveLength(5);
  });
});
