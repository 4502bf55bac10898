import { describe, expect, it } from 'vitest';
import type { Role, State } from '../../monitor/src/core/model.js';
import { initialState } from '../../monitor/src/core/model.js';
import {
  activeDriver,
  DEFAULTS,
  Driver,
  effects,
  healthyStandby,
  promotingDriver,
  sigs,
  T0,
} from './core-helpers.js';

/** A persisted state in `role`, and the driver that produced it (its clock at the state's time). */
function persisted(role: Role): Driver {
  switch (role) {
    case 'standby':
      return new Driver(DEFAULTS);
    case 'held': {
      const d = new Driver(DEFAULTS);
      d.send({ type: 'hold' });
      return d;
    }
    case 'promoting': {
      const d = promotingDriver();
      d.send({ type: 'promote-failed', error: 'e' });
      return d;
    }
    case 'active':
      return activeDriver();
    case 'demoting': {
      const d = activeDriver();
      d.advance(200);
      d.probes('uuu');
      return d;
    }
  }
}

/** Restart the monitor a while later: same persisted state, a fresh driver. */
function restart(d: Driver, gatewayRunning: boolean, after = 30) {
  const r = new Driver(DEFAULTS, { state: d.state, now: d.now + after });
  const o = r.send({ type: 'start', gatewayRunning });
  return { r, o, before: d.state };
}

describe('restart reconcile: the gateway is running', () => {
  for (const role of ['standby', 'held', 'promoting', 'demoting'] as const) {
    it(`persisted ${role} → active, without a promote action`, () => {
      const { r, o, before } = restart(persisted(role), true);
      expect(o.state.role).toBe('active');
      expect(o.state.reason).toBe('monitor started with the gateway running');
      expect(o.state.since).toBe(r.now);
      expect(o.actions).toEqual([
        { type: 'log', level: 'info', event: 'monitor-start', fields: { role, gatewayRunning: true } },
        {
          type: 'log',
          level: 'info',
          event: 'transition',
          fields: { from: role, to: 'active', reason: 'monitor started with the gateway running' },
        },
      ]);
      expect(o.state.failures).toBe(0);
      expect(o.state.successes).toBe(0);
      expect(o.state.attempts).toBe(0);
      expect(o.state.retryAt).toBeUndefined();
      if (role === 'demoting') {
        // It was active before: its active time and hold-down carry over.
        expect(o.state.activeSince).toBe(before.activeSince);
        expect(o.state.holdDownUntil).toBe(before.holdDownUntil);
      } else {
        expect(o.state.activeSince).toBe(r.now);
        expect(o.state.holdDownUntil).toBe(r.now + 120);
      }
    });
  }

  it('persisted active stays active, keeping activeSince and holdDownUntil', () => {
    const d = persisted('active');
    d.probes('dd');
    const { r, o, before } = restart(d, true);
    expect(o.state.role).toBe('active');
    expect(o.state.since).toBe(before.since);
    expect(o.state.activeSince).toBe(before.activeSince);
    expect(o.state.holdDownUntil).toBe(before.holdDownUntil);
    expect(o.state.transitions).toEqual(before.transitions);
    expect(o.state.failures).toBe(0);
    expect(sigs(o.actions)).toEqual(['log:monitor-start']);
    // The hold-down still applies after the restart.
    expect(r.probes('uuu')).toEqual(['active', 'active', 'active']);
    r.now = before.holdDownUntil ?? 0;
    expect(r.probes('u')).toEqual(['demoting']);
  });

  it('persisted active after a failed stop: the retry wait is dropped', () => {
    const d = persisted('demoting');
    d.send({ type: 'demote-failed', error: 'x' });
    const { r, o } = restart(d, true, 0);
    expect(o.state.retryAt).toBeUndefined();
    expect(o.state.attempts).toBe(0);
    expect(r.probes('uu')).toEqual(['active', 'active']);
    expect(r.probes('u')).toEqual(['demoting']);
  });

  it('never asks for a promote, whatever the persisted state', () => {
    for (const role of ['standby', 'held', 'promoting', 'active', 'demoting'] as const) {
      const { o } = restart(persisted(role), true);
      expect(effects(o.actions)).toEqual([]);
    }
  });
});

describe('restart reconcile: the gateway is not running', () => {
  for (const role of ['active', 'promoting', 'demoting'] as const) {
    it(`persisted ${role} → demoting with a demote action (workspace push-back)`, () => {
      const { r, o } = restart(persisted(role), false);
      expect(o.state.role).toBe('demoting');
      expect(o.state.since).toBe(r.now);
      expect(o.state.reason).toBe('monitor started with the gateway stopped');
      expect(sigs(o.actions)).toEqual(['log:monitor-start', 'log:transition', 'demote', 'notify:demoting']);
      expect(o.actions[2]).toEqual({ type: 'demote', reason: 'monitor started with the gateway stopped' });
      expect(r.send({ type: 'demoted' }).state.role).toBe('standby');
    });
  }

  it('a failed stop of a gateway that was never active still leaves a consistent active', () => {
    const { r } = restart(persisted('promoting'), false);
    const o = r.send({ type: 'demote-failed', error: 'push rejected' });
    expect(o.state.role).toBe('active');
    expect(o.state.activeSince).toBe(r.now);
    expect(o.state.holdDownUntil).toBe(r.now);
    expect(o.state.retryAt).toBe(r.now + 10);
    // The gateway is not running: the next probe with a healthy primary finishes the demotion.
    expect(r.probes('u', { gatewayRunning: false })).toEqual(['demoting']);
  });

  for (const role of ['standby', 'held'] as const) {
    it(`persisted ${role} stays ${role} with the counts and the primary's health reset`, () => {
      const d = persisted(role);
      d.probes('dd');
      const { r, o, before } = restart(d, false);
      const primary = { health: 'unknown', failing: [], since: r.now };
      expect(o.state).toEqual({ ...before, primary, failures: 0, successes: 0 });
      expect(o.actions).toEqual([
        { type: 'log', level: 'info', event: 'monitor-start', fields: { role, gatewayRunning: false } },
      ]);
    });
  }

  it('a fresh install starts as a standby', () => {
    const d = new Driver(DEFAULTS);
    const o = d.send({ type: 'start', gatewayRunning: false });
    expect(o.state).toEqual(initialState(T0));
  });
});

describe('restart reconcile: a drill in progress is reported as interrupted', () => {
  it('while the drill was serving, gateway still running', () => {
    const d = healthyStandby();
    const startedAt = d.now;
    d.send({ type: 'drill', seconds: 300 });
    d.advance(9);
    d.send({ type: 'promoted' });
    const { o } = restart(d, true);
    expect(o.state.role).toBe('active');
    expect(o.state.drill).toBeUndefined();
    expect(o.state.lastDrill).toEqual({
      startedAt,
      seconds: 300,
      ok: false,
      readyAfterSeconds: 9,
      error: 'monitor restarted during the drill',
    });
  });

  it('while the drill was starting, gateway not running', () => {
    const d = healthyStandby();
    const startedAt = d.now;
    d.send({ type: 'drill', seconds: 300 });
    const { r, o } = restart(d, false);
    expect(o.state.role).toBe('demoting');
    expect(o.state.drill).toBeUndefined();
    expect(o.state.lastDrill).toEqual({
      startedAt,
      seconds: 300,
      ok: false,
      error: 'monitor restarted during the drill',
    });
    const done = r.send({ type: 'demoted' });
    expect(done.state.lastDrill?.error).toBe('monitor restarted during the drill');
  });

  it('a previous drill report is kept when no drill was in progress', () => {
    const d = healthyStandby();
    d.send({ type: 'drill', seconds: 5 });
    d.send({ type: 'promoted' });
    d.probes('uu');
    d.send({ type: 'demoted' });
    const report = d.state.lastDrill;
    expect(report?.ok).toBe(true);
    const { o } = restart(d, false);
    expect(o.state.lastDrill).toBe(report);
  });
});

describe('bounded state', () => {
  it('keeps the last 20 transitions, oldest first', () => {
    const d = new Driver(DEFAULTS);
    for (let i = 0; i < 25; i++) {
      d.send({ type: 'hold' });
      d.advance(1);
      d.send({ type: 'release' });
      d.advance(1);
    }
    const ts: State['transitions'] = d.state.transitions;
    expect(ts).toHaveLength(20);
    // 50 transitions at T0, T0+1, …: the kept ones are numbers 31..50.
    expect(ts[0]).toEqual({ at: T0 + 30, from: 'standby', to: 'held', reason: 'held by operator' });
    expect(ts[19]).toEqual({ at: T0 + 49, from: 'held', to: 'standby', reason: 'released by operator' });
    expect(ts.map((t) => t.at)).toEqual(Array.from({ length: 20 }, (_, i) => T0 + 30 + i));
  });

  it('keeps only the promotions inside the flap window', () => {
    const d = new Driver(
      { ...DEFAULTS, minActiveSeconds: 0, recoverThreshold: 1, flapWindowSeconds: 60 },
      {
        autoAnswer: true,
      },
    );
    for (let i = 0; i < 40; i++) d.probes('dddu');
    // One promotion every 4 probes of 5 s: 20 s apart, so 3 inside a 60 s window (the oldest drops at 60).
    expect(d.state.promotions).toHaveLength(3);
    expect(d.state.counters.promotions).toBe(40);
  });
});
