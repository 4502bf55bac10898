// The role changes every handler of the decision core builds on. A new role is built from the
// shared part of the old state (sharedOf), so no field of the role it leaves can leak into the
// one it enters; each function returns its own actions.
import {
  type Action,
  type Active,
  type Demoting,
  type Drill,
  type DrillReport,
  type Input,
  type Outcome,
  type Policy,
  type Promoting,
  type Role,
  type SharedState,
  type State,
  sharedOf,
} from './model.js';

/** A retry's wait after `failures` failures: the check interval, doubled per failure, up to `maxSeconds`. */
export const backoffSeconds = (policy: Policy, failures: number, maxSeconds: number) =>
  Math.min(policy.checkIntervalSeconds * 2 ** failures, maxSeconds);

/** How many role changes the state keeps. */
export const MAX_TRANSITIONS = 20;

/** The report of the drill in progress: what was recorded for it so far, never a previous drill's. */
export function drillReport(drill: Drill, lastDrill: DrillReport | undefined): DrillReport {
  const sameDrill = lastDrill?.startedAt === drill.startedAt;
  return { ...(sameDrill ? lastDrill : {}), startedAt: drill.startedAt, seconds: drill.seconds, ok: false };
}

/** The shared part of `s` entering role `to`, and the log action of that transition. */
export function enter(s: State, to: Role, now: number, reason: string): { shared: SharedState; log: Action } {
  const fields = { from: s.role, to, reason };
  const transitions = [...s.transitions, { at: now, ...fields }].slice(-MAX_TRANSITIONS);
  return {
    shared: { ...sharedOf(s), since: now, reason, transitions },
    log: { type: 'log', level: 'info', event: 'transition', fields },
  };
}

export function ignored(s: State, input: Input): Outcome {
  return {
    state: s,
    actions: [
      { type: 'log', level: 'warn', event: 'unexpected-input', fields: { input: input.type, role: s.role } },
    ],
  };
}

export function refuse(s: State, reason: string): Outcome {
  return { state: s, actions: [], refused: reason };
}

/** Standby → promoting: a real failover (counted in the flap window) or a drill. */
export function promote(
  policy: Policy,
  s: State,
  now: number,
  reason: string,
  drillSeconds?: number,
): Outcome {
  const { shared, log } = enter(s, 'promoting', now, reason);
  const { counters } = shared;
  const state: Promoting =
    drillSeconds === undefined
      ? {
          ...shared,
          role: 'promoting',
          start: 'in-flight',
          attempts: 0,
          promotions: [...s.promotions.filter((t) => t > now - policy.flapWindowSeconds), now],
          counters: { ...counters, promotions: counters.promotions + 1 },
        }
      : {
          ...shared,
          role: 'promoting',
          start: 'in-flight',
          attempts: 0,
          drill: { startedAt: now, seconds: drillSeconds },
          counters: { ...counters, drills: counters.drills + 1 },
        };
  const message = `promoting the standby: ${reason}`;
  return {
    state,
    actions: [log, { type: 'promote', reason, attempt: 1 }, { type: 'notify', event: 'promoting', message }],
  };
}

/** → demoting: stop the gateway, keeping what the role knew of its active time and drill. */
export function demote(s: Active | Demoting | Promoting, now: number, reason: string): Outcome {
  const { shared, log } = enter(s, 'demoting', now, reason);
  const state: Demoting = {
    ...shared,
    role: 'demoting',
    // Failed stops in a row carry over from active so that their retry delay keeps doubling.
    attempts: s.role === 'active' ? s.attempts : 0,
    ...(s.role === 'promoting'
      ? {}
      : { activeSince: s.activeSince, holdDownUntil: s.holdDownUntil, drill: s.drill }),
  };
  const message = `demoting the standby: ${reason}`;
  return {
    state,
    actions: [log, { type: 'demote', reason }, { type: 'notify', event: 'demoting', message }],
  };
}
