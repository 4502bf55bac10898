import { describe, expect, it } from 'vitest';
import { initialState } from '../../monitor/src/core/model.js';
import { makeStep } from '../../monitor/src/core/step.js';
import { DEFAULTS, Driver, effects, FIXED, promotingDriver, sigs, T0 } from './core-helpers.js';

describe('standby → promoting', () => {
  it('promotes exactly at failThreshold consecutive down probes, not before', () => {
    const d = new Driver(DEFAULTS);
    expect(d.probes('dd')).toEqual(['standby', 'standby']);
    expect(d.state.failures).toBe(2);
    expect(d.count('promote')).toBe(0);
    const o = d.probe('down');
    expect(o.state.role).toBe('promoting');
    expect(o.state.failures).toBe(3);
    expect(sigs(o.actions)).toEqual(['log:probe-failed', 'log:transition', 'promote', 'notify:promoting']);
    expect(o.actions[2]).toEqual({
      type: 'promote',
      reason: 'primary down for 3 consecutive probes over 10 s',
      attempt: 1,
    });
    expect(o.state.since).toBe(T0 + 10);
    expect(o.state.reason).toBe('primary down for 3 consecutive probes over 10 s');
    expect(o.state.promotions).toEqual([T0 + 10]);
    expect(o.state.counters.promotions).toBe(1);
    expect(o.state.counters.probes).toEqual({ up: 0, degraded: 0, down: 3 });
    expect(o.state.transitions).toEqual([
      {
        at: T0 + 10,
        from: 'standby',
        to: 'promoting',
        reason: 'primary down for 3 consecutive probes over 10 s',
      },
    ]);
  });

  it('logs the first failing probe as a primary-health change, then only probe-failed', () => {
    const d = new Driver(DEFAULTS);
    const first = d.probe('down');
    expect(first.actions).toEqual([
      {
        type: 'log',
        level: 'warn',
        event: 'primary-health',
        fields: { from: 'unknown', to: 'down', failing: [] },
      },
      {
        type: 'log',
        level: 'warn',
        event: 'probe-failed',
        fields: {
          health: 'down',
          failures: 1,
          threshold: 3,
          failingSeconds: 0,
          failureRate: 0.005,
          role: 'standby',
        },
      },
    ]);
    expect(first.state.primary).toEqual({ health: 'down', failing: [], since: T0 });
    const second = d.probe('down');
    expect(sigs(second.actions)).toEqual(['log:probe-failed']);
    expect(second.state.primary.since).toBe(T0);
  });

  it('a success in between resets the failure count', () => {
    const d = new Driver(FIXED);
    expect(d.probes('dd u dd u dd')).toEqual(Array(8).fill('standby'));
    expect(d.state.failures).toBe(2);
    expect(d.count('promote')).toBe(0);
    expect(d.probes('d')).toEqual(['promoting']);
  });

  it('honours a larger failThreshold', () => {
    const d = new Driver({ ...DEFAULTS, failThreshold: 5 });
    expect(d.probes('dddd')).toEqual(Array(4).fill('standby'));
    expect(d.probes('d')).toEqual(['promoting']);
    expect(d.state.reason).toBe('primary down for 5 consecutive probes over 20 s');
  });

  it('a failThreshold of 1 promotes at the first failing probe (fixed rule)', () => {
    const d = new Driver({ ...FIXED, failThreshold: 1 });
    expect(d.probes('d')).toEqual(['promoting']);
  });

  it('up probes on a standby log only the first health change and count successes', () => {
    const d = new Driver(DEFAULTS);
    const o = d.probe('up');
    expect(o.actions).toEqual([
      {
        type: 'log',
        level: 'info',
        event: 'primary-health',
        fields: { from: 'unknown', to: 'up', failing: [] },
      },
    ]);
    expect(d.probe('up').actions).toEqual([]);
    expect(d.state.successes).toBe(2);
    expect(d.state.failures).toBe(0);
    expect(d.state.role).toBe('standby');
  });
});

describe('promoteOn policy', () => {
  it('"down": degraded inside the grace is not a failure (never promotes, resets failures) nor a recovery', () => {
    const d = new Driver(DEFAULTS);
    expect(d.probes('gggggggg')).toEqual(Array(8).fill('standby'));
    expect(d.state.failures).toBe(0);
    expect(d.state.successes).toBe(0);
    expect(d.probes('dd g dd')).toEqual(Array(5).fill('standby'));
    expect(d.count('promote')).toBe(0);
    expect(d.state.counters.probes).toEqual({ up: 0, degraded: 9, down: 4 });
  });

  it('"down": a primary degraded for degradedGraceSeconds counts as failing from then on', () => {
    const d = new Driver(DEFAULTS);
    d.probes('u');
    const spell = d.now;
    // 60 probes at 5 s: 295 s degraded, inside the 300 s grace; the failing names change meanwhile.
    for (let i = 0; i < 60; i++)
      d.probe('degraded', { failing: i < 30 ? ['telegram'] : ['telegram', 'discord'] });
    expect(d.state.failures).toBe(0);
    expect(d.state.primary.degradedSince).toBe(spell);
    const roles = d.probes('ggg');
    expect(roles).toEqual(['standby', 'standby', 'promoting']);
    expect(d.state.reason).toBe('primary degraded for 3 consecutive probes over 10 s');
  });

  it('"down": an up probe ends the spell, a start\'s sidecars never count, and a grace of 0 never promotes', () => {
    const d = new Driver(DEFAULTS);
    d.probes(`${'g'.repeat(59)}u${'g'.repeat(59)}`);
    expect(d.count('promote')).toBe(0);
    const starting = new Driver(DEFAULTS);
    for (let i = 0; i < 100; i++) starting.probe('degraded', { failing: ['startup-sidecars'] });
    expect(starting.state.failures).toBe(0);
    const never = new Driver({ ...DEFAULTS, degradedGraceSeconds: 0 });
    never.probes('g'.repeat(200));
    expect(never.count('promote')).toBe(0);
  });

  it('"down": degraded does not log probe-failed', () => {
    const d = new Driver(DEFAULTS);
    const o = d.probe('degraded', { failing: ['telegram'] });
    expect(sigs(o.actions)).toEqual(['log:primary-health']);
  });

  it('"unready": degraded counts as failing and promotes at the threshold', () => {
    const d = new Driver({ ...DEFAULTS, promoteOn: 'unready' });
    expect(d.probes('gg')).toEqual(['standby', 'standby']);
    expect(d.state.failures).toBe(2);
    const o = d.probe('degraded', { failing: ['telegram'] });
    expect(o.state.role).toBe('promoting');
    expect(o.actions[2]).toEqual({
      type: 'promote',
      reason: 'primary degraded for 3 consecutive probes over 10 s',
      attempt: 1,
    });
  });

  it('"unready": a mix of degraded and down probes counts as consecutive failures', () => {
    const d = new Driver({ ...DEFAULTS, promoteOn: 'unready' });
    expect(d.probes('gdg')).toEqual(['standby', 'standby', 'promoting']);
  });

  it('"unready": only an up probe resets failures', () => {
    const d = new Driver({ ...DEFAULTS, promoteOn: 'unready' });
    expect(d.probes('gg u gg')).toEqual(Array(5).fill('standby'));
    expect(d.state.failures).toBe(2);
  });

  it('records failing channel names and logs when they change', () => {
    const d = new Driver({ ...DEFAULTS, promoteOn: 'unready' });
    const a = d.probe('degraded', { failing: ['telegram'] });
    expect(a.state.primary).toEqual({
      health: 'degraded',
      failing: ['telegram'],
      since: T0,
      degradedSince: T0,
    });
    expect(a.actions[0]).toEqual({
      type: 'log',
      level: 'warn',
      event: 'primary-health',
      fields: { from: 'unknown', to: 'degraded', failing: ['telegram'] },
    });
    // Same health, same names: no change logged, since kept.
    const b = d.probe('degraded', { failing: ['telegram'] });
    expect(sigs(b.actions)).toEqual(['log:probe-failed']);
    expect(b.state.primary.since).toBe(T0);
    // Same health, other names: logged, since moves; the degraded spell goes on.
    const c = d.probe('degraded', { failing: ['telegram', 'discord'] });
    expect(c.actions[0]).toEqual({
      type: 'log',
      level: 'warn',
      event: 'primary-health',
      fields: { from: 'degraded', to: 'degraded', failing: ['telegram', 'discord'] },
    });
    expect(c.state.primary).toEqual({
      health: 'degraded',
      failing: ['telegram', 'discord'],
      since: T0 + 10,
      degradedSince: T0,
    });
    // Back up: names cleared, info level.
    const u = d.probe('up');
    expect(u.actions[0]).toEqual({
      type: 'log',
      level: 'info',
      event: 'primary-health',
      fields: { from: 'degraded', to: 'up', failing: [] },
    });
    expect(u.state.primary).toEqual({ health: 'up', failing: [], since: T0 + 15 });
  });
});

describe('promoting → active', () => {
  it('promoted makes the standby active with the minActive hold-down', () => {
    const d = promotingDriver();
    const at = d.now;
    const o = d.send({ type: 'promoted' });
    expect(o.state.role).toBe('active');
    expect(o.state.since).toBe(at);
    expect(o.state.reason).toBe('standby gateway is ready');
    expect(o.state.activeSince).toBe(at);
    expect(o.state.holdDownUntil).toBe(at + 120);
    expect(o.state.attempts).toBe(0);
    expect(o.state.retryAt).toBeUndefined();
    expect(o.actions).toEqual([
      {
        type: 'log',
        level: 'info',
        event: 'transition',
        fields: { from: 'promoting', to: 'active', reason: 'standby gateway is ready' },
      },
      { type: 'notify', event: 'active', message: 'the standby gateway is serving' },
    ]);
    expect(o.state.transitions.map((t) => `${t.from}>${t.to}`)).toEqual([
      'standby>promoting',
      'promoting>active',
    ]);
  });

  it('probes while the start is in flight change nothing but the counters', () => {
    const d = promotingDriver();
    for (const h of ['down', 'up', 'up', 'up', 'up', 'degraded'] as const) {
      const o = d.probe(h);
      expect(o.state.role).toBe('promoting');
      expect(effects(o.actions)).toEqual([]);
    }
    expect(d.state.successes).toBe(0); // the last probe, degraded, is not ready: no recovery
    expect(d.state.failures).toBe(0);
    // The start then succeeds: active even though the primary looks healthy again.
    expect(d.send({ type: 'promoted' }).state.role).toBe('active');
  });

  it('a healthy primary during the in-flight start does not abandon it', () => {
    const d = promotingDriver();
    d.probes('uuuuu');
    expect(d.state.role).toBe('promoting');
    expect(d.state.retryAt).toBeUndefined();
  });
});

describe('initialState', () => {
  it('starts as a standby with an unknown primary and zero counters', () => {
    expect(initialState(42)).toEqual({
      role: 'standby',
      since: 42,
      reason: 'initial',
      primary: { health: 'unknown', failing: [], since: 42 },
      failures: 0,
      successes: 0,
      recentFailures: [],
      promotions: [],
      transitions: [],
      counters: {
        probes: { up: 0, degraded: 0, down: 0 },
        promotions: 0,
        demotions: 0,
        startFailures: 0,
        stopFailures: 0,
        drills: 0,
      },
    });
  });

  it('step never mutates its input state', () => {
    const step = makeStep(DEFAULTS);
    const s = initialState(0);
    const frozen = JSON.stringify(s);
    let cur = s;
    for (let i = 0; i < 3; i++) cur = step(cur, { type: 'probe', health: 'down' }, i * 5).state;
    step(cur, { type: 'promoted' }, 15);
    expect(JSON.stringify(s)).toBe(frozen);
    expect(cur.role).toBe('promoting');
  });
});
