// Property-style checks: random primaries, a simulated daemon that answers the actions (sometimes
// late, sometimes with a failure), operator commands and restarts; invariants checked at every step.
import { describe, expect, it } from 'vitest';
import type { Health, Input, Policy, Role } from '../../monitor/src/core/model.js';
import { initialState, ROLES } from '../../monitor/src/core/model.js';
import { makeStep } from '../../monitor/src/core/step.js';
import { DEFAULTS, type OutcomeView, prng, SEED, type StateView } from './core-helpers.js';

interface Stats {
  steps: number;
  promotes: number;
  demotes: number;
  startFailures: number;
  stopFailures: number;
  drills: number;
  restarts: number;
  roles: Set<Role>;
}

function simulate(policy: Policy, seed: number, steps: number): { violations: string[]; stats: Stats } {
  const rnd = prng(seed);
  const step = makeStep(policy);
  const violations: string[] = [];
  const stats: Stats = {
    steps: 0,
    promotes: 0,
    demotes: 0,
    startFailures: 0,
    stopFailures: 0,
    drills: 0,
    restarts: 0,
    roles: new Set(),
  };
  let now = 0;
  let s: StateView = initialState(now);
  // What the simulated daemon has been asked and not answered yet, and the real gateway's state.
  let pending: { type: 'promote' | 'demote'; dueIn: number } | undefined;
  let gatewayRunning = false;
  // The primary stays in a health regime for a random number of probes.
  let health: Health = 'up';
  let regimeLeft = 0;

  const check = (prev: StateView, input: Input, o: OutcomeView) => {
    const at = `seed ${seed} t=${now} ${prev.role} --${JSON.stringify(input)}--> ${o.state.role}`;
    const bad = (what: string) => violations.push(`${at}: ${what}`);
    if (!ROLES.includes(o.state.role)) bad('invalid role');
    for (const a of o.actions) {
      if (a.type === 'promote') {
        if (pending?.type === 'promote') bad('promote while a promote is unanswered');
        if (gatewayRunning) bad('promote while the gateway is running');
        const healthyFor = o.state.successes;
        if (prev.role === 'promoting' && healthyFor >= policy.recoverThreshold)
          bad('retry with a recovered primary');
      }
      if (a.type === 'demote') {
        if (pending) bad(`demote while a ${pending.type} is unanswered`);
        const exempt = input.type === 'start' || (input.type === 'probe' && input.gatewayRunning === false);
        if (!exempt && !prev.drill && now < (prev.holdDownUntil ?? Number.POSITIVE_INFINITY)) {
          bad('demote before holdDownUntil');
        }
        if (!exempt && prev.role !== 'active') bad(`demote from ${prev.role}`);
      }
    }
    if (o.state.role === 'active' && prev.role !== 'active') {
      const ok =
        input.type === 'promoted' ||
        (input.type === 'demote-failed' && prev.role === 'demoting') ||
        (input.type === 'start' && input.gatewayRunning);
      if (!ok) bad('active without promoted');
    }
    if (o.state.role === 'active' && o.state.holdDownUntil === undefined) bad('active without holdDownUntil');
    if (o.state.transitions.length > 20) bad('more than 20 transitions');
    if (o.state.failures > 0 && o.state.successes > 0) bad('failures and successes both counted');
    if (o.state.retryAt !== undefined && o.state.role !== 'promoting' && o.state.role !== 'active') {
      bad('retryAt outside promoting/active');
    }
    if (
      o.state.drill &&
      o.state.role !== 'promoting' &&
      o.state.role !== 'active' &&
      o.state.role !== 'demoting'
    ) {
      bad('a drill outside promoting/active/demoting');
    }
    if (input.type === 'probe' && prev.role === 'standby' && o.state.role === 'promoting') {
      if (o.state.promotions.some((t) => t <= now - policy.flapWindowSeconds)) bad('stale promotions kept');
    }
    if ((o.state.role === 'standby' || o.state.role === 'held') && gatewayRunning) {
      bad('standby while the gateway is running');
    }
    if (o.refused !== undefined && o.state !== prev) bad('a refused command changed the state');
  };

  const send = (input: Input) => {
    const prev = s;
    const o: OutcomeView = step(s, input, now);
    check(prev, input, o);
    s = o.state;
    stats.steps++;
    stats.roles.add(s.role);
    for (const a of o.actions) {
      if (a.type === 'promote' || a.type === 'demote') {
        pending = { type: a.type, dueIn: Math.floor(rnd() * 3) };
        if (a.type === 'promote') stats.promotes++;
        else stats.demotes++;
      }
    }
  };

  for (let i = 0; i < steps; i++) {
    if (regimeLeft-- <= 0) {
      const r = rnd();
      health = r < 0.45 ? 'up' : r < 0.6 ? 'degraded' : 'down';
      regimeLeft = Math.floor(rnd() * (rnd() < 0.3 ? 40 : 6));
    }
    // Occasionally an operator command or a monitor restart.
    const r = rnd();
    if (r < 0.01) send({ type: 'hold' });
    else if (r < 0.03) send({ type: 'release' });
    else if (r < 0.045) {
      stats.drills++;
      send({ type: 'drill', seconds: 1 + Math.floor(rnd() * 60) });
    } else if (r < 0.05) {
      stats.restarts++;
      pending = undefined; // the daemon died with its work: the gateway is where it is
      send({ type: 'start', gatewayRunning });
    }
    // The daemon answers what it was asked, sometimes a probe or two later, sometimes with a failure.
    if (pending && pending.dueIn-- <= 0) {
      const { type } = pending;
      pending = undefined;
      const fails = rnd() < 0.25;
      if (type === 'promote') {
        if (fails) stats.startFailures++;
        else gatewayRunning = true;
        send(fails ? { type: 'promote-failed', error: 'injected' } : { type: 'promoted' });
      } else {
        if (fails) stats.stopFailures++;
        else gatewayRunning = false;
        send(fails ? { type: 'demote-failed', error: 'injected' } : { type: 'demoted' });
      }
    }
    // Rarely, the gateway dies on its own while serving.
    if (gatewayRunning && !pending && s.role === 'active' && rnd() < 0.01) gatewayRunning = false;
    now += policy.checkIntervalSeconds;
    send({
      type: 'probe',
      health,
      ...(health === 'degraded' ? { failing: ['telegram'] } : {}),
      ...(s.role === 'active' ? { gatewayRunning } : {}),
    });
  }
  return { violations, stats };
}

describe('random primaries: invariants hold at every step', () => {
  const policies: Record<string, Policy> = {
    defaults: DEFAULTS,
    seed: SEED,
    unready: {
      ...DEFAULTS,
      promoteOn: 'unready',
      failThreshold: 2,
      recoverThreshold: 2,
      minActiveSeconds: 30,
    },
    damped: { ...DEFAULTS, minActiveSeconds: 20, flapWindowSeconds: 400 },
  };
  for (const [name, policy] of Object.entries(policies)) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, seed ${seed}: 4000 probes`, () => {
        const { violations, stats } = simulate(policy, seed * 7919, 4000);
        expect(violations.slice(0, 5)).toEqual([]);
        // The run really went through the interesting paths.
        expect(stats.promotes).toBeGreaterThan(5);
        expect(stats.demotes).toBeGreaterThan(5);
        expect(stats.startFailures).toBeGreaterThan(0);
        expect(stats.stopFailures).toBeGreaterThan(0);
        expect(stats.restarts).toBeGreaterThan(0);
        expect([...stats.roles].sort()).toEqual([...ROLES].sort());
      });
    }
  }

  it('is deterministic for a seed', () => {
    const a = simulate(DEFAULTS, 42, 500).stats;
    const b = simulate(DEFAULTS, 42, 500).stats;
    expect(a).toEqual(b);
  });
});
