// The failover decision core: a pure function from (state, input, now) to (new state, actions).
// No I/O, no clock, no timers in here. The daemon feeds it probe results, the results of the
// actions it asked for and operator commands, persists the state and performs the actions.
import type { Action, DrillReport, Health, Input, Outcome, Policy, Role, State } from './model.js';

const MAX_TRANSITIONS = 20;
const MAX_RETRY_SECONDS = 300;

/** Binds the decision core to a policy (the thresholds from the config file). */
export function makeStep(policy: Policy) {
  const isFailing = (health: Health) =>
    health === 'down' || (policy.promoteOn === 'unready' && health !== 'up');
  const retryDelay = (attempts: number) =>
    Math.min(policy.checkIntervalSeconds * 2 ** attempts, MAX_RETRY_SECONDS);
  // Each promotion inside the flap window doubles the time the standby stays active.
  const holdDown = (recentPromotions: number) =>
    Math.min(
      policy.minActiveSeconds * 2 ** Math.max(0, recentPromotions - 1),
      Math.max(policy.minActiveSeconds, policy.flapWindowSeconds),
    );

  function enter(s: State, role: Role, now: number, reason: string, actions: Action[]): State {
    const fields = { from: s.role, to: role, reason };
    actions.push({ type: 'log', level: 'info', event: 'transition', fields });
    const transitions = [...s.transitions, { at: now, ...fields }].slice(-MAX_TRANSITIONS);
    return { ...s, role, since: now, reason, transitions, attempts: 0, retryAt: undefined };
  }

  function promote(s: State, now: number, reason: string, drillSeconds?: number): Outcome {
    const actions: Action[] = [];
    let next = enter(s, 'promoting', now, reason, actions);
    if (drillSeconds === undefined) {
      const promotions = [...s.promotions.filter((t) => t > now - policy.flapWindowSeconds), now];
      next = {
        ...next,
        promotions,
        counters: { ...next.counters, promotions: next.counters.promotions + 1 },
      };
    } else {
      next = {
        ...next,
        drill: { startedAt: now, seconds: drillSeconds },
        counters: { ...next.counters, drills: next.counters.drills + 1 },
      };
    }
    actions.push(
      { type: 'promote', reason, attempt: 1 },
      { type: 'notify', event: 'promoting', message: `promoting the standby: ${reason}` },
    );
    return { state: next, actions };
  }

  function demote(s: State, now: number, reason: string): Outcome {
    const actions: Action[] = [];
    // Failed stops in a row carry over from active so that their retry delay keeps doubling.
    const attempts = s.role === 'active' ? s.attempts : 0;
    const next = { ...enter(s, 'demoting', now, reason, actions), attempts };
    actions.push(
      { type: 'demote', reason },
      { type: 'notify', event: 'demoting', message: `demoting the standby: ${reason}` },
    );
    return { state: next, actions };
  }

  function observe(
    s: State,
    input: Extract<Input, { type: 'probe' }>,
    now: number,
    actions: Action[],
  ): State {
    const failing = input.failing ?? [];
    const changed = s.primary.health !== input.health || failing.join() !== s.primary.failing.join();
    if (changed) {
      actions.push({
        type: 'log',
        level: input.health === 'up' ? 'info' : 'warn',
        event: 'primary-health',
        fields: { from: s.primary.health, to: input.health, failing },
      });
    }
    const fail = isFailing(input.health);
    const next: State = {
      ...s,
      primary: changed ? { health: input.health, failing, since: now } : s.primary,
      failures: fail ? s.failures + 1 : 0,
      // Only a ready primary counts toward recovery: a restarting one answers 503 before its
      // channels are up, and demoting then would leave nobody serving.
      successes: input.health === 'up' ? s.successes + 1 : 0,
      counters: {
        ...s.counters,
        probes: { ...s.counters.probes, [input.health]: s.counters.probes[input.health] + 1 },
      },
    };
    if (fail && (s.role === 'standby' || s.role === 'held')) {
      const fields = {
        health: input.health,
        failures: next.failures,
        threshold: policy.failThreshold,
        role: s.role,
      };
      actions.push({ type: 'log', level: 'warn', event: 'probe-failed', fields });
    }
    return next;
  }

  function onProbe(prev: State, input: Extract<Input, { type: 'probe' }>, now: number): Outcome {
    const actions: Action[] = [];
    const s = observe(prev, input, now, actions);
    const failing = isFailing(input.health);
    const recovered = s.successes >= policy.recoverThreshold;
    const withActions = (o: Outcome): Outcome => ({ ...o, actions: [...actions, ...o.actions] });

    switch (s.role) {
      case 'standby':
        if (s.failures >= policy.failThreshold) {
          return withActions(promote(s, now, `primary ${input.health} for ${s.failures} consecutive probes`));
        }
        break;
      case 'promoting': {
        if (s.retryAt === undefined) break; // a start is in flight
        if (s.drill || recovered) {
          const reason = s.drill
            ? 'drill abandoned after a failed start'
            : 'primary recovered before the start succeeded';
          const next = { ...enter(s, 'standby', now, reason, actions), drill: undefined };
          actions.push({ type: 'notify', event: 'standby', message: `back to standby: ${reason}` });
          return { state: next, actions };
        }
        if (now >= s.retryAt) {
          actions.push({ type: 'promote', reason: 'retrying the start', attempt: s.attempts + 1 });
          return { state: { ...s, retryAt: undefined }, actions };
        }
        break;
      }
      case 'active': {
        if (input.gatewayRunning === false) return withActions(gatewayStopped(s, failing, now));
        if (s.retryAt !== undefined && now < s.retryAt) break;
        if (s.drill?.until !== undefined && now >= s.drill.until) {
          return withActions(failing ? drillToFailover(s, now) : demote(s, now, 'drill finished'));
        }
        if (!s.drill && recovered && now >= (s.holdDownUntil ?? 0)) {
          return withActions(demote(s, now, `primary healthy for ${s.successes} consecutive probes`));
        }
        break;
      }
    }
    return { state: s, actions };
  }

  /** The standby gateway stopped on its own while active; a drill ends there, as a failed one. */
  function gatewayStopped(prev: State, failing: boolean, now: number): Outcome {
    const error = 'standby gateway stopped during the drill';
    const s = prev.drill ? { ...prev, lastDrill: { ...drillReport(prev, now), error } } : prev;
    // Gone with the primary up: finish as a demotion so the workspace is pushed back.
    if (!failing) return demote(s, now, 'standby gateway stopped while the primary is up');
    const message = 'the standby gateway stopped while active';
    const actions: Action[] = [{ type: 'notify', event: 'gateway-died', message }];
    const next = {
      ...enter(s, 'promoting', now, 'standby gateway stopped while active', actions),
      drill: undefined,
    };
    actions.push({ type: 'promote', reason: 'restarting the stopped standby gateway', attempt: 1 });
    return { state: next, actions };
  }

  /** The primary is failing when a drill ends: the standby keeps serving, as a real failover now. */
  function drillToFailover(s: State, now: number): Outcome {
    const lastDrill = { ...drillReport(s, now), error: 'primary failed during the drill' };
    // A real failover stays at least minActiveSeconds in active, which a drill does not.
    const holdDownUntil = Math.max(s.holdDownUntil ?? now, (s.activeSince ?? now) + policy.minActiveSeconds);
    const message = 'the primary failed during the drill: the standby gateway keeps serving';
    return {
      state: { ...s, drill: undefined, lastDrill, holdDownUntil },
      actions: [
        { type: 'log', level: 'warn', event: 'drill-became-failover' },
        { type: 'notify', event: 'active', message },
      ],
    };
  }

  /** The report of the drill in progress: what was recorded for it so far, never a previous drill's. */
  function drillReport(s: State, now: number): DrillReport {
    const d = s.drill ?? { startedAt: now, seconds: 0 };
    const sameDrill = s.lastDrill?.startedAt === d.startedAt;
    return { ...(sameDrill ? s.lastDrill : {}), startedAt: d.startedAt, seconds: d.seconds, ok: false };
  }

  function onStart(s: State, gatewayRunning: boolean, now: number): Outcome {
    const actions: Action[] = [
      { type: 'log', level: 'info', event: 'monitor-start', fields: { role: s.role, gatewayRunning } },
    ];
    const base: State = {
      ...s,
      // What the primary was before the restart is unknown now: the next probe tells.
      primary: { health: 'unknown', failing: [], since: now },
      failures: 0,
      successes: 0,
      drill: undefined,
      lastDrill: s.drill
        ? { ...drillReport(s, now), error: 'monitor restarted during the drill' }
        : s.lastDrill,
    };
    if (gatewayRunning) {
      // Whatever the file says, a running gateway is serving: keep it, never start a second one.
      const kept =
        s.role === 'active'
          ? { ...base, retryAt: undefined, attempts: 0 }
          : enter(base, 'active', now, 'monitor started with the gateway running', actions);
      const activeSince = s.activeSince ?? now;
      return {
        state: {
          ...kept,
          activeSince,
          holdDownUntil: s.holdDownUntil ?? activeSince + policy.minActiveSeconds,
        },
        actions,
      };
    }
    if (s.role === 'active' || s.role === 'promoting' || s.role === 'demoting') {
      // The gateway is gone but may have written to the workspace: finish a demotion to push it back.
      const o = demote(base, now, 'monitor started with the gateway stopped');
      return { ...o, actions: [...actions, ...o.actions] };
    }
    return { state: base, actions };
  }

  return function step(s: State, input: Input, now: number): Outcome {
    switch (input.type) {
      case 'start':
        return onStart(s, input.gatewayRunning, now);
      case 'probe':
        return onProbe(s, input, now);
      case 'promoted': {
        if (s.role !== 'promoting') return ignored(s, input);
        const actions: Action[] = [];
        const recent = s.drill ? 1 : s.promotions.length;
        let next = enter(s, 'active', now, 'standby gateway is ready', actions);
        next = { ...next, activeSince: now, holdDownUntil: now + (s.drill ? 0 : holdDown(recent)) };
        if (s.drill) {
          next.drill = { ...s.drill, until: now + s.drill.seconds };
          next.lastDrill = { ...drillReport(s, now), readyAfterSeconds: now - s.drill.startedAt };
        }
        actions.push({ type: 'notify', event: 'active', message: 'the standby gateway is serving' });
        return { state: next, actions };
      }
      case 'promote-failed': {
        if (s.role !== 'promoting') return ignored(s, input);
        const attempts = s.attempts + 1;
        const retryAt = now + retryDelay(attempts);
        const counters = { ...s.counters, startFailures: s.counters.startFailures + 1 };
        const message = `starting the standby gateway failed (attempt ${attempts}): ${input.error}`;
        const fields = { attempt: attempts, error: input.error };
        const actions: Action[] = [
          { type: 'log', level: 'error', event: 'start-failed', fields },
          { type: 'notify', event: 'start-failed', message },
        ];
        const lastDrill = s.drill ? { ...drillReport(s, now), error: input.error } : s.lastDrill;
        return { state: { ...s, attempts, retryAt, counters, lastDrill }, actions };
      }
      case 'demoted': {
        if (s.role !== 'demoting') return ignored(s, input);
        const actions: Action[] = [];
        const next = enter(s, 'standby', now, 'standby gateway stopped', actions);
        const report = s.drill && drillReport(s, now);
        const lastDrill = report
          ? { ...report, ok: report.error === undefined, finishedAfterSeconds: now - report.startedAt }
          : s.lastDrill;
        const message = 'the standby gateway stopped; watching the primary';
        actions.push({ type: 'notify', event: 'standby', message });
        return {
          state: {
            ...next,
            failures: 0,
            activeSince: undefined,
            holdDownUntil: undefined,
            drill: undefined,
            lastDrill,
            counters: { ...next.counters, demotions: next.counters.demotions + (s.drill ? 0 : 1) },
          },
          actions,
        };
      }
      case 'demote-failed': {
        if (s.role !== 'demoting') return ignored(s, input);
        const actions: Action[] = [];
        const attempts = s.attempts + 1;
        const next = enter(s, 'active', now, `stopping the gateway failed: ${input.error}`, actions);
        const message = `stopping the standby gateway failed: ${input.error}`;
        actions.push({ type: 'notify', event: 'stop-failed', message });
        const counters = { ...next.counters, stopFailures: next.counters.stopFailures + 1 };
        // A demotion ordered at start-up may never have been active: active from now, no hold-down.
        const activeSince = s.activeSince ?? now;
        const holdDownUntil = s.holdDownUntil ?? now;
        const retryAt = now + retryDelay(attempts);
        return { state: { ...next, attempts, retryAt, counters, activeSince, holdDownUntil }, actions };
      }
      case 'hold': {
        if (s.role === 'held') return refuse(s, 'already held');
        if (s.role !== 'standby') {
          return refuse(s, `cannot hold while ${s.role}: hold applies to a standby that is not serving`);
        }
        const actions: Action[] = [];
        return { state: enter(s, 'held', now, 'held by operator', actions), actions };
      }
      case 'release': {
        if (s.role !== 'held') return refuse(s, `not held (role is ${s.role})`);
        const actions: Action[] = [];
        const next = { ...enter(s, 'standby', now, 'released by operator', actions), failures: 0 };
        return { state: next, actions };
      }
      case 'drill': {
        if (s.role !== 'standby') return refuse(s, `a drill needs a standby, the role is ${s.role}`);
        if (s.primary.health === 'unknown' || isFailing(s.primary.health)) {
          return refuse(s, `a drill needs a healthy primary, the primary is ${s.primary.health}`);
        }
        if (!(input.seconds > 0)) return refuse(s, 'drill seconds must be positive');
        return promote(s, now, `drill for ${input.seconds}s`, input.seconds);
      }
    }
  };
}

function ignored(s: State, input: Input): Outcome {
  return {
    state: s,
    actions: [
      { type: 'log', level: 'warn', event: 'unexpected-input', fields: { input: input.type, role: s.role } },
    ],
  };
}

function refuse(s: State, reason: string): Outcome {
  return { state: s, actions: [], refused: reason };
}
