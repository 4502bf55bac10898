import { describe, expect, it } from 'vitest';
import { type Input, ROLES, type Role } from '../../monitor/src/core/model.js';
import { DRILL_SECONDS_RULE } from '../../monitor/src/drill-seconds.js';
import { activeDriver, DEFAULTS, Driver, effects, promotingDriver, sigs } from './core-helpers.js';

function driverIn(role: Role): Driver {
  switch (role) {
    case 'standby':
      return new Driver(DEFAULTS);
    case 'held': {
      const d = new Driver(DEFAULTS);
      d.send({ type: 'hold' });
      return d;
    }
    case 'promoting':
      return promotingDriver();
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

describe('unexpected action results', () => {
  const results: Input[] = [
    { type: 'promoted' },
    { type: 'promote-failed', error: 'e' },
    { type: 'demoted' },
    { type: 'demote-failed', error: 'e' },
  ];
  const expected: Record<string, Role> = { promoted: 'promoting', 'promote-failed': 'promoting' };
  for (const role of ROLES) {
    for (const input of results) {
      const accepted = (expected[input.type] ?? 'demoting') === role;
      if (accepted) continue;
      it(`${input.type} while ${role} is ignored with a log, state unchanged`, () => {
        const d = driverIn(role);
        expect(d.state.role).toBe(role);
        const before = d.state;
        const o = d.send(input);
        expect(o.state).toBe(before);
        expect(o.refused).toBeUndefined();
        expect(o.actions).toEqual([
          { type: 'log', level: 'warn', event: 'unexpected-input', fields: { input: input.type, role } },
        ]);
      });
    }
  }
});

describe('hold and release', () => {
  it('hold turns a standby into held', () => {
    const d = new Driver(DEFAULTS);
    const o = d.send({ type: 'hold' });
    expect(o.refused).toBeUndefined();
    expect(o.state.role).toBe('held');
    expect(o.state.reason).toBe('held by operator');
    expect(sigs(o.actions)).toEqual(['log:transition']);
  });

  it('hold is refused in every other role, with a reason and no change', () => {
    const reasons: Record<string, string> = {};
    for (const role of ROLES.filter((r) => r !== 'standby')) {
      const d = driverIn(role);
      const before = d.state;
      const o = d.send({ type: 'hold' });
      expect(o.state).toBe(before);
      expect(o.actions).toEqual([]);
      reasons[role] = o.refused ?? '';
    }
    expect(reasons).toEqual({
      held: 'already held',
      promoting: 'cannot hold while promoting: hold applies to a standby that is not serving',
      active: 'cannot hold while active: hold applies to a standby that is not serving',
      demoting: 'cannot hold while demoting: hold applies to a standby that is not serving',
    });
  });

  it('held never promotes however many failures', () => {
    const d = driverIn('held');
    expect(d.probes('d'.repeat(100))).toEqual(Array(100).fill('held'));
    expect(d.count('promote')).toBe(0);
    expect(d.state.failures).toBe(100);
    expect(d.history.at(-1)?.outcome.actions).toEqual([
      {
        type: 'log',
        level: 'warn',
        event: 'probe-failed',
        fields: {
          health: 'down',
          failures: 100,
          threshold: 3,
          failingSeconds: 495,
          failureRate: 0.005,
          role: 'held',
        },
      },
    ]);
  });

  it('release returns to standby with the failures reset', () => {
    const d = driverIn('held');
    d.probes('ddddd');
    const o = d.send({ type: 'release' });
    expect(o.refused).toBeUndefined();
    expect(o.state.role).toBe('standby');
    expect(o.state.reason).toBe('released by operator');
    expect(o.state.failures).toBe(0);
    expect(sigs(o.actions)).toEqual(['log:transition']);
    expect(d.probes('dd')).toEqual(['standby', 'standby']);
    expect(d.probes('d')).toEqual(['promoting']);
  });

  it('release is refused unless held', () => {
    for (const role of ROLES.filter((r) => r !== 'held')) {
      const d = driverIn(role);
      const before = d.state;
      const o = d.send({ type: 'release' });
      expect(o.state).toBe(before);
      expect(o.actions).toEqual([]);
      expect(o.refused).toBe(`not held (role is ${role})`);
    }
  });
});

describe('drill refusals', () => {
  it('is refused unless standby', () => {
    for (const role of ROLES.filter((r) => r !== 'standby')) {
      const d = driverIn(role);
      const before = d.state;
      const o = d.send({ type: 'drill', seconds: 60 });
      expect(o.state).toBe(before);
      expect(o.actions).toEqual([]);
      expect(o.refused).toBe(`a drill needs a standby, the role is ${role}`);
    }
  });

  it('is refused while the primary is unknown or failing', () => {
    const unknown = new Driver(DEFAULTS);
    expect(unknown.send({ type: 'drill', seconds: 60 }).refused).toBe(
      'a drill needs a healthy primary, the primary is unknown',
    );
    const down = new Driver(DEFAULTS);
    down.probes('d');
    expect(down.send({ type: 'drill', seconds: 60 }).refused).toBe(
      'a drill needs a healthy primary, the primary is down',
    );
    const unready = new Driver({ ...DEFAULTS, promoteOn: 'unready' });
    unready.probes('g');
    expect(unready.send({ type: 'drill', seconds: 60 }).refused).toBe(
      'a drill needs a healthy primary, the primary is degraded',
    );
  });

  it('a degraded primary is healthy enough under promoteOn "down"', () => {
    const d = new Driver(DEFAULTS);
    d.probes('g');
    const o = d.send({ type: 'drill', seconds: 60 });
    expect(o.refused).toBeUndefined();
    expect(o.state.role).toBe('promoting');
  });

  it('needs a number of seconds above 0 and at most a day, and the refusal says just that', () => {
    expect(DRILL_SECONDS_RULE).toBe('drill seconds must be a number above 0 and at most 86400');
    const refused = [0, -0, -5, Number.NaN, 86_400.001, 86_401, 1e12, 1e13, Number.POSITIVE_INFINITY];
    for (const seconds of refused) {
      const d = new Driver(DEFAULTS);
      d.probes('u');
      const before = d.state;
      const o = d.send({ type: 'drill', seconds });
      expect(o.refused, String(seconds)).toBe(DRILL_SECONDS_RULE);
      expect(o.state).toBe(before);
    }
    // The edges the rule names, and a fraction under the 1 the message once gave as the least.
    for (const seconds of [Number.MIN_VALUE, 0.5, 86_400]) {
      const d = new Driver(DEFAULTS);
      d.probes('u');
      const o = d.send({ type: 'drill', seconds });
      expect(o.refused, String(seconds)).toBeUndefined();
      expect(o.state, String(seconds)).toMatchObject({ role: 'promoting', drill: { seconds } });
    }
  });

  it('held refuses a drill even with a healthy primary', () => {
    const d = new Driver(DEFAULTS);
    d.probes('u');
    d.send({ type: 'hold' });
    expect(d.send({ type: 'drill', seconds: 60 }).refused).toBe('a drill needs a standby, the role is held');
  });
});

describe('probes in every role', () => {
  const expected: Record<Role, { downs: Role[]; ups: Role[]; effects: string[] }> = {
    standby: {
      downs: ['standby', 'standby', 'promoting', 'promoting'],
      ups: Array(4).fill('promoting'),
      effects: ['promote', 'notify:promoting'],
    },
    held: { downs: Array(4).fill('held'), ups: Array(4).fill('held'), effects: [] },
    promoting: { downs: Array(4).fill('promoting'), ups: Array(4).fill('promoting'), effects: [] },
    active: {
      downs: Array(4).fill('active'),
      ups: ['active', 'active', 'demoting', 'demoting'],
      effects: ['demote', 'notify:demoting'],
    },
    demoting: { downs: Array(4).fill('demoting'), ups: Array(4).fill('demoting'), effects: [] },
  };
  for (const role of ROLES) {
    it(`${role}: four down then four up probes`, () => {
      const d = driverIn(role);
      d.advance(500);
      const mark = d.history.length;
      expect(d.probes('dddd')).toEqual(expected[role].downs);
      expect(d.probes('uuuu')).toEqual(expected[role].ups);
      expect(effects(d.actionsSince(mark))).toEqual(expected[role].effects);
    });
  }
});
