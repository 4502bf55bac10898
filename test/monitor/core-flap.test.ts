import { describe, expect, it } from 'vitest';
import type { Policy } from '../../monitor/src/core/model.js';
import { initialState } from '../../monitor/src/core/model.js';
import { DEFAULTS, Driver, T0 } from './core-helpers.js';

/** A failover now (3 down probes from T0, promoted at T0+10) after automatic promotions at `earlier`. */
function failoverAfter(earlier: number[], policy: Policy = DEFAULTS) {
  const d = new Driver(policy, { state: { ...initialState(T0), promotions: earlier } });
  d.probes('ddd');
  const promotedAt = d.now - 5;
  d.now = promotedAt;
  d.send({ type: 'promoted' });
  return { d, hold: (d.state.holdDownUntil ?? 0) - promotedAt, promotions: d.state.promotions };
}

describe('flap damping', () => {
  it('the first promotion holds minActiveSeconds', () => {
    expect(failoverAfter([]).hold).toBe(120);
  });

  it('each earlier promotion inside the window doubles the hold-down', () => {
    expect(failoverAfter([T0 - 100]).hold).toBe(240);
    expect(failoverAfter([T0 - 300, T0 - 200, T0 - 100]).hold).toBe(960);
    expect(failoverAfter([T0 - 400, T0 - 300, T0 - 200, T0 - 100]).hold).toBe(1920);
  });

  it('is capped at the flap window', () => {
    const five = [T0 - 500, T0 - 400, T0 - 300, T0 - 200, T0 - 100];
    expect(failoverAfter(five).hold).toBe(3600);
    expect(failoverAfter([T0 - 600, ...five]).hold).toBe(3600);
  });

  it('is capped at minActiveSeconds when that is longer than the window', () => {
    const policy = { ...DEFAULTS, minActiveSeconds: 300, flapWindowSeconds: 60 };
    expect(failoverAfter([T0 - 30, T0 - 20], policy).hold).toBe(300);
  });

  it('promotions older than the window no longer count, and are dropped', () => {
    // The promotion happens at T0+10; the window reaches back to (T0+10-3600, …].
    const { hold, promotions } = failoverAfter([T0 - 5000, T0 + 10 - 3600]);
    expect(hold).toBe(120);
    expect(promotions).toEqual([T0 + 10]);
    const inside = failoverAfter([T0 - 5000, T0 + 10 - 3599]);
    expect(inside.hold).toBe(240);
    expect(inside.promotions).toEqual([T0 + 10 - 3599, T0 + 10]);
  });

  it('with minActiveSeconds 0 there is nothing to double', () => {
    expect(failoverAfter([T0 - 30, T0 - 20], { ...DEFAULTS, minActiveSeconds: 0 }).hold).toBe(0);
  });

  it('drills do not count, and hold nothing themselves', () => {
    const d = new Driver(
      { ...DEFAULTS, minActiveSeconds: 10, flapWindowSeconds: 100_000 },
      { autoAnswer: true },
    );
    d.probes('u');
    for (let i = 0; i < 4; i++) {
      d.send({ type: 'drill', seconds: 5 });
      expect(d.state.role).toBe('active');
      expect(d.state.holdDownUntil).toBe(d.now);
      d.probes('uu');
      expect(d.state.role).toBe('standby');
    }
    expect(d.state.promotions).toEqual([]);
    d.probes('ddd');
    expect(d.state.role).toBe('active');
    expect((d.state.holdDownUntil ?? 0) - (d.state.activeSince ?? 0)).toBe(10);
    expect(d.state.counters).toMatchObject({ drills: 4, promotions: 1, demotions: 0 });
  });

  it('a flapping primary under the defaults: each failover holds twice as long', () => {
    // Down 3 probes, up 3, for an hour. Promotions at probes 2, 32, 86, 188, 386 (t = 10, 160, 430,
    // 940, 1930 s) hold 120, 240, 480, 960, 1920 s; demotions at the first 3rd up probe after each.
    const d = new Driver(DEFAULTS, { autoAnswer: true });
    const roles = d.probes('ddduuu'.repeat(120));
    const demotedAt = roles.flatMap((r, i) => (r === 'standby' && roles[i - 1] === 'active' ? [i] : []));
    expect(demotedAt).toEqual([29, 83, 185, 383]);
    expect(roles.filter((r) => r === 'standby')).toHaveLength(14);
    expect(d.count('promote')).toBe(5);
    expect(d.count('demote')).toBe(4);
    expect(d.state.role).toBe('active');
    expect(d.state.promotions).toEqual([10, 160, 430, 940, 1930].map((t) => T0 + t));
    expect(d.state.holdDownUntil).toBe(T0 + 1930 + 1920);
  });
});
