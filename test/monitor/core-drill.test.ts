import { describe, expect, it } from 'vitest';
import { DEFAULTS, effects, healthyStandby, sigs } from './core-helpers.js';

/** A standby that has started a 60 s drill at `startedAt` and got ready 8 s later. */
function drilling(seconds = 60) {
  const d = healthyStandby();
  const startedAt = d.now;
  d.send({ type: 'drill', seconds });
  d.advance(8);
  d.send({ type: 'promoted' });
  return { d, startedAt, readyAt: startedAt + 8 };
}

describe('drill', () => {
  it('promotes a standby with a healthy primary, without counting a failover', () => {
    const d = healthyStandby();
    const t = d.now;
    const o = d.send({ type: 'drill', seconds: 60 });
    expect(o.refused).toBeUndefined();
    expect(o.state.role).toBe('promoting');
    expect(o.state.reason).toBe('drill for 60s');
    expect(o.state.drill).toEqual({ startedAt: t, seconds: 60 });
    expect(o.state.counters.drills).toBe(1);
    expect(o.state.counters.promotions).toBe(0);
    expect(o.state.promotions).toEqual([]);
    expect(o.actions).toEqual([
      {
        type: 'log',
        level: 'info',
        event: 'transition',
        fields: { from: 'standby', to: 'promoting', reason: 'drill for 60s' },
      },
      { type: 'promote', reason: 'drill for 60s', attempt: 1 },
      { type: 'notify', event: 'promoting', message: 'promoting the standby: drill for 60s' },
    ]);
  });

  it('promoted starts the drill clock and records readyAfterSeconds', () => {
    const { d, startedAt, readyAt } = drilling();
    expect(d.state.role).toBe('active');
    expect(d.state.drill).toEqual({ startedAt, seconds: 60, until: readyAt + 60 });
    expect(d.state.activeSince).toBe(readyAt);
    expect(d.state.holdDownUntil).toBe(readyAt);
    expect(d.state.lastDrill).toEqual({ startedAt, seconds: 60, ok: false, readyAfterSeconds: 8 });
  });

  it('stays active until `until`, then demotes once with a healthy primary', () => {
    const { d, startedAt, readyAt } = drilling();
    // Probes every 5 s from readyAt: 12 probes reach readyAt+55.
    expect(d.probes('u'.repeat(12))).toEqual(Array(12).fill('active'));
    expect(d.now).toBe(readyAt + 60);
    const o = d.probe('up');
    expect(o.state.role).toBe('demoting');
    expect(o.actions).toContainEqual({ type: 'demote', reason: 'drill finished' });
    expect(effects(d.probe('up').actions)).toEqual([]);
    d.advance(3);
    const done = d.send({ type: 'demoted' });
    expect(done.state.role).toBe('standby');
    expect(done.state.drill).toBeUndefined();
    expect(done.state.lastDrill).toEqual({
      startedAt,
      seconds: 60,
      ok: true,
      readyAfterSeconds: 8,
      finishedAfterSeconds: 8 + 70 + 3,
    });
    expect(done.state.counters).toMatchObject({ drills: 1, promotions: 0, demotions: 0 });
    expect(d.count('demote')).toBe(1);
  });

  it('a failing primary inside the drill does not end it early', () => {
    const { d } = drilling(30);
    expect(d.probes('dddd')).toEqual(Array(4).fill('active'));
    expect(d.count('demote')).toBe(0);
  });

  it('a drill does not wait for recoverThreshold or the hold-down at its end', () => {
    const { d } = drilling(30);
    d.probes('d');
    d.advance(100);
    expect(d.state.successes).toBe(0);
    expect(d.probes('u')).toEqual(['demoting']);
  });

  it('a primary failing at the end turns the drill into a real failover', () => {
    const { d, startedAt, readyAt } = drilling(30);
    d.probes('uuuuuu');
    const o = d.probe('down');
    expect(d.now - 5).toBe(readyAt + 30);
    expect(o.state.role).toBe('active');
    expect(o.state.drill).toBeUndefined();
    expect(o.state.lastDrill).toEqual({
      startedAt,
      seconds: 30,
      ok: false,
      readyAfterSeconds: 8,
      error: 'primary failed during the drill',
    });
    expect(sigs(o.actions)).toEqual(['log:primary-health', 'log:drill-became-failover', 'notify:active']);
    expect(o.actions[2]).toEqual({
      type: 'notify',
      event: 'active',
      message: 'the primary failed during the drill: the standby gateway keeps serving',
    });
    // Now a real failover: minActiveSeconds in active applies before any demotion.
    expect(o.state.holdDownUntil).toBe(readyAt + 120);
    expect(d.probes('uuu')).toEqual(['active', 'active', 'active']);
    d.now = readyAt + 120;
    expect(d.probes('u')).toEqual(['demoting']);
    const done = d.send({ type: 'demoted' });
    expect(done.state.lastDrill?.ok).toBe(false);
    expect(done.state.counters.demotions).toBe(1);
  });

  it('a failed start during a drill goes back to standby, the report carries the error', () => {
    const d = healthyStandby();
    const startedAt = d.now;
    d.send({ type: 'drill', seconds: 60 });
    const f = d.send({ type: 'promote-failed', error: 'no such unit' });
    expect(f.state.lastDrill).toEqual({ startedAt, seconds: 60, ok: false, error: 'no such unit' });
    expect(effects(f.actions)).toEqual(['notify:start-failed']);
    const o = d.probe('up');
    expect(o.state.role).toBe('standby');
    expect(o.state.reason).toBe('drill abandoned after a failed start');
    expect(o.state.drill).toBeUndefined();
    expect(o.state.lastDrill).toEqual({ startedAt, seconds: 60, ok: false, error: 'no such unit' });
    expect(effects(o.actions)).toEqual(['notify:standby']);
    expect(d.count('promote')).toBe(1);
  });

  it('after an abandoned drill, a real failover is not treated as a drill', () => {
    const d = healthyStandby();
    d.send({ type: 'drill', seconds: 60 });
    d.send({ type: 'promote-failed', error: 'e' });
    d.probes('u');
    d.probes('ddd');
    expect(d.state.role).toBe('promoting');
    expect(d.state.drill).toBeUndefined();
    const t = d.now;
    const o = d.send({ type: 'promoted' });
    expect(o.state.drill).toBeUndefined();
    expect(o.state.holdDownUntil).toBe(t + 120);
    expect(o.state.counters.promotions).toBe(1);
    d.probes('uuu');
    expect(d.state.role).toBe('active');
  });

  it("a new drill's report does not inherit the previous drill's fields", () => {
    const { d } = drilling(10);
    d.probes('uuu');
    d.send({ type: 'demoted' });
    expect(d.state.lastDrill).toMatchObject({ ok: true, readyAfterSeconds: 8 });
    // Second drill fails to start: no readyAfterSeconds/finishedAfterSeconds from the first one.
    const second = d.now;
    d.send({ type: 'drill', seconds: 20 });
    d.send({ type: 'promote-failed', error: 'boom' });
    expect(d.state.lastDrill).toEqual({ startedAt: second, seconds: 20, ok: false, error: 'boom' });
    d.probes('u');
    // Third drill succeeds: no error from the second one.
    d.advance(100);
    const third = d.now;
    d.send({ type: 'drill', seconds: 5 });
    d.advance(2);
    d.send({ type: 'promoted' });
    expect(d.state.lastDrill).toEqual({ startedAt: third, seconds: 5, ok: false, readyAfterSeconds: 2 });
    d.probes('uu');
    d.send({ type: 'demoted' });
    expect(d.state.lastDrill).toEqual({
      startedAt: third,
      seconds: 5,
      ok: true,
      readyAfterSeconds: 2,
      finishedAfterSeconds: 12,
    });
    expect(d.state.counters.drills).toBe(3);
  });

  it('a failed stop at the end of a drill is retried, the report stays ok once stopped', () => {
    const { d, readyAt } = drilling(10);
    d.probes('uuu');
    expect(d.state.role).toBe('demoting');
    const f = d.send({ type: 'demote-failed', error: 'busy' });
    expect(f.state.role).toBe('active');
    expect(f.state.drill).toBeDefined();
    d.now = f.state.retryAt ?? 0;
    expect(effects(d.probe('up').actions)).toEqual(['demote', 'notify:demoting']);
    const done = d.send({ type: 'demoted' });
    expect(done.state.lastDrill?.ok).toBe(true);
    expect(done.state.lastDrill?.finishedAfterSeconds).toBe(d.now - (readyAt - 8));
  });

  it('the gateway dying during a drill with the primary up ends it as a failed drill', () => {
    const { d } = drilling();
    const o = d.probe('up', { gatewayRunning: false });
    expect(o.state.role).toBe('demoting');
    expect(o.state.lastDrill).toMatchObject({ ok: false, error: 'standby gateway stopped during the drill' });
    const done = d.send({ type: 'demoted' });
    expect(done.state.lastDrill).toMatchObject({
      ok: false,
      error: 'standby gateway stopped during the drill',
    });
    expect(done.state.lastDrill?.finishedAfterSeconds).toBe(d.now - (done.state.lastDrill?.startedAt ?? 0));
    expect(done.state.counters.demotions).toBe(0);
  });

  it('the gateway dying during a drill with the primary failing restarts it as a real failover', () => {
    const { d } = drilling();
    d.probes('dd');
    const o = d.probe('down', { gatewayRunning: false });
    expect(o.state.role).toBe('promoting');
    expect(o.state.drill).toBeUndefined();
    expect(o.state.lastDrill).toMatchObject({ ok: false, error: 'standby gateway stopped during the drill' });
    // A failed restart is retried, not abandoned as a drill would be.
    d.send({ type: 'promote-failed', error: 'e' });
    d.advance(100);
    expect(d.probes('d')).toEqual(['promoting']);
    expect(effects(d.history.at(-1)?.outcome.actions ?? [])).toEqual(['promote']);
    const t = d.now;
    expect(d.send({ type: 'promoted' }).state.holdDownUntil).toBe(t + DEFAULTS.minActiveSeconds);
  });
});
