// The decision core: a pure function step(state, input, now) → { state, actions }. No I/O, no
// clock, no randomness: the daemon (daemon.ts) feeds it probe results, the results of the
// actions it asked for and operator commands, persists the state and performs the actions.
import { DRILL_SECONDS_RULE, isDrillSeconds } from '../drill-seconds.js';
import {
  countsAsFailing,
  keptEvidence,
  probeNumber,
  runPromotes,
  runSeconds,
  suspicion,
  withoutRun,
} from './detector.js';
import type { Action, Active, Drill, Input, Outcome, Policy, State } from './model.js';
import { onPushResult, retryPushIfDue, unpushedAfterDemotion } from './push-retry.js';
import { reconcile } from './reconcile.js';
import { backoffSeconds, demote, drillReport, enter, ignored, promote, refuse } from './transitions.js';

const MAX_RETRY_SECONDS = 300;

/** How long the failing run of `s` has lasted, for logs and reasons: to the hundredth of a second. */
const runLasted = (s: State, now: number) => Math.round(runSeconds(s, now) * 100) / 100;

/** Hold and release keep the changes still waiting for a push. */
const unpushedOf = (s: State) =>
  (s.role === 'standby' || s.role === 'held') && s.unpushed ? { unpushed: s.unpushed } : {};

type Probe = Extract<Input, { type: 'probe' }>;

/** Binds the decision core to a policy (the thresholds from the config file). */
export function makeStep(policy: Policy) {
  const retryDelay = (attempts: number) => backoffSeconds(policy, attempts, MAX_RETRY_SECONDS);
  // Each promotion inside the flap window doubles the time the standby stays active.
  const holdDown = (recentPromotions: number) =>
    Math.min(
      policy.minActiveSeconds * 2 ** Math.max(0, recentPromotions - 1),
      Math.max(policy.minActiveSeconds, policy.flapWindowSeconds),
    );

  /** The probe's result recorded in the shared part, and the logs it deserves. */
  function observe(s: State, input: Probe, now: number): { state: State; actions: Action[] } {
    const actions: Action[] = [];
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
    const degraded = input.health === 'degraded';
    const degradedSince = s.primary.health === 'degraded' ? (s.primary.degradedSince ?? now) : now;
    const primary = changed
      ? { health: input.health, failing, since: now, ...(degraded ? { degradedSince } : {}) }
      : s.primary;
    const fail = countsAsFailing(policy, primary, now);
    const watching = s.role === 'standby' || s.role === 'held';
    const ordinal = probeNumber(s) + 1;
    const { failingSince: _run, ...rest } = s;
    const state: State = {
      ...rest,
      primary,
      failures: fail ? s.failures + 1 : 0,
      ...(fail ? { failingSince: s.failures > 0 ? (s.failingSince ?? now) : now } : {}),
      // Evidence of the link's noise is what a standby sees (core/detector.ts); held, the primary
      // is under maintenance, and its downtime is no noise.
      recentFailures: keptEvidence(s.recentFailures, ordinal, fail && s.role === 'standby'),
      // Only a ready primary counts toward recovery: a restarting one answers 503 before its
      // channels are up, and demoting then would leave nobody serving.
      successes: input.health === 'up' ? s.successes + 1 : 0,
      counters: {
        ...s.counters,
        probes: { ...s.counters.probes, [input.health]: s.counters.probes[input.health] + 1 },
      },
    };
    if (!fail && s.failures > 0 && watching) {
      // How long the primary failed before it answered again: what a restart of it costs, the
      // figure to set minOutageSeconds above.
      const fields = { failures: s.failures, seconds: runLasted(s, now), health: input.health, failing };
      actions.push({ type: 'log', level: 'info', event: 'failing-run-ended', fields });
    }
    if (fail && watching) {
      const { required, rate } = suspicion(policy, state.recentFailures, ordinal, state.failures);
      const fields = {
        health: input.health,
        failures: state.failures,
        threshold: required,
        failingSeconds: runLasted(state, now),
        failureRate: Number(rate.toFixed(3)),
        role: s.role,
      };
      actions.push({ type: 'log', level: 'warn', event: 'probe-failed', fields });
    }
    return { state, actions };
  }

  /** What the role does with the probe just recorded in `s`. */
  function decide(s: State, input: Probe, now: number): Outcome | undefined {
    const failing = countsAsFailing(policy, s.primary, now);
    const recovered = s.successes >= policy.recoverThreshold;
    switch (s.role) {
      case 'standby': {
        if (!runPromotes(policy, s, now)) return input.health === 'up' ? retryPushIfDue(s, now) : undefined;
        // The run was an outage, not the link's noise: it is no evidence for the next decision.
        const ordinal = probeNumber(s);
        const outage = { ...s, recentFailures: withoutRun(s.recentFailures, ordinal, s.failures) };
        const reason = `primary ${input.health} for ${s.failures} consecutive probes over ${runLasted(s, now)} s`;
        return promote(policy, outage, now, reason);
      }
      case 'promoting': {
        if (s.start === 'in-flight') return undefined;
        if (s.drill || recovered) {
          const reason = s.drill
            ? 'drill abandoned after a failed start'
            : 'primary recovered before the start succeeded';
          const { shared, log } = enter(s, 'standby', now, reason);
          const notify: Action = { type: 'notify', event: 'standby', message: `back to standby: ${reason}` };
          return { state: { ...shared, role: 'standby' }, actions: [log, notify] };
        }
        if (now < s.retryAt) return undefined;
        const { retryAt: _due, lastError: _why, ...waiting } = s;
        return {
          state: { ...waiting, start: 'in-flight' },
          actions: [{ type: 'promote', reason: 'retrying the start', attempt: s.attempts + 1 }],
        };
      }
      case 'active': {
        if (input.gatewayRunning === false) return gatewayStopped(s, failing, now);
        if (s.retryAt !== undefined && now < s.retryAt) return undefined;
        if (s.drill && now >= s.drill.until) {
          return failing ? drillToFailover(s, s.drill) : demote(s, now, 'drill finished');
        }
        if (!s.drill && recovered && now >= s.holdDownUntil) {
          return demote(s, now, `primary healthy for ${s.successes} consecutive probes`);
        }
        return undefined;
      }
      case 'held':
        return input.health === 'up' ? retryPushIfDue(s, now) : undefined;
      case 'demoting':
        return undefined;
    }
  }

  function onProbe(prev: State, input: Probe, now: number): Outcome {
    const observed = observe(prev, input, now);
    const decided = decide(observed.state, input, now);
    if (!decided) return observed;
    return { ...decided, actions: [...observed.actions, ...decided.actions] };
  }

  /** The standby gateway stopped on its own while active; a drill ends there, as a failed one. */
  function gatewayStopped(prev: Active, failing: boolean, now: number): Outcome {
    const error = 'standby gateway stopped during the drill';
    const s = prev.drill
      ? { ...prev, lastDrill: { ...drillReport(prev.drill, prev.lastDrill), error } }
      : prev;
    // Gone with the primary up: finish as a demotion so the workspace is pushed back.
    if (!failing) return demote(s, now, 'standby gateway stopped while the primary is up');
    const { shared, log } = enter(s, 'promoting', now, 'standby gateway stopped while active');
    const message = 'the standby gateway stopped while active';
    return {
      state: { ...shared, role: 'promoting', start: 'in-flight', attempts: 0 },
      actions: [
        { type: 'notify', event: 'gateway-died', message },
        log,
        { type: 'promote', reason: 'restarting the stopped standby gateway', attempt: 1 },
      ],
    };
  }

  /** The primary is failing when a drill ends: the standby keeps serving, as a real failover now. */
  function drillToFailover(s: Active, drill: Drill): Outcome {
    const lastDrill = { ...drillReport(drill, s.lastDrill), error: 'primary failed during the drill' };
    // A real failover stays at least minActiveSeconds in active, which a drill does not.
    const holdDownUntil = Math.max(s.holdDownUntil, s.activeSince + policy.minActiveSeconds);
    const { drill: _ended, ...serving } = s;
    const message = 'the primary failed during the drill: the standby gateway keeps serving';
    return {
      state: { ...serving, lastDrill, holdDownUntil },
      actions: [
        { type: 'log', level: 'warn', event: 'drill-became-failover' },
        { type: 'notify', event: 'active', message },
      ],
    };
  }

  function onResult(s: State, input: Exclude<Input, { type: 'start' | 'probe' }>, now: number): Outcome {
    switch (input.type) {
      case 'promoted': {
        if (s.role !== 'promoting') return ignored(s, input);
        const { shared, log } = enter(s, 'active', now, 'standby gateway is ready');
        const recent = s.drill ? 1 : s.promotions.length;
        const holdDownUntil = now + (s.drill ? 0 : holdDown(recent));
        const active: Active = { ...shared, role: 'active', activeSince: now, holdDownUntil, attempts: 0 };
        const state: Active = s.drill
          ? {
              ...active,
              drill: { ...s.drill, until: now + s.drill.seconds },
              lastDrill: {
                ...drillReport(s.drill, s.lastDrill),
                readyAfterSeconds: now - s.drill.startedAt,
              },
            }
          : active;
        const notify: Action = { type: 'notify', event: 'active', message: 'the standby gateway is serving' };
        return { state, actions: [log, notify] };
      }
      case 'promote-failed':
      case 'promote-refused': {
        if (s.role !== 'promoting') return ignored(s, input);
        // A refusal is retried as a failed start is, checking again each time; it is no start
        // failure, and is notified as its cause.
        const refused = input.type === 'promote-refused';
        const error = refused ? input.reason : input.error;
        const attempts = s.attempts + 1;
        const retryAt = now + retryDelay(attempts);
        const counters = refused
          ? s.counters
          : { ...s.counters, startFailures: s.counters.startFailures + 1 };
        const lastDrill = s.drill ? { ...drillReport(s.drill, s.lastDrill), error } : s.lastDrill;
        const message = refused
          ? `not promoting (attempt ${attempts}): ${error}`
          : `starting the standby gateway failed (attempt ${attempts}): ${error}`;
        const fields = { attempt: attempts, error, ...(refused ? { cause: input.cause } : {}) };
        return {
          state: { ...s, start: 'failed', attempts, retryAt, lastError: error, counters, lastDrill },
          actions: [
            { type: 'log', level: 'error', event: refused ? 'promotion-refused' : 'start-failed', fields },
            { type: 'notify', event: refused ? input.cause : 'start-failed', message },
          ],
        };
      }
      case 'demoted': {
        if (s.role !== 'demoting') return ignored(s, input);
        const { shared, log } = enter(s, 'standby', now, 'standby gateway stopped');
        const report = s.drill && drillReport(s.drill, s.lastDrill);
        const lastDrill = report
          ? { ...report, ok: report.error === undefined, finishedAfterSeconds: now - report.startedAt }
          : s.lastDrill;
        const counters = { ...shared.counters, demotions: shared.counters.demotions + (s.drill ? 0 : 1) };
        const message = 'the standby bot is off again; watching the primary';
        const unpushed =
          input.pushFailed === undefined
            ? {}
            : { unpushed: unpushedAfterDemotion(policy, input.pushFailed, now) };
        return {
          state: { ...shared, role: 'standby', failures: 0, lastDrill, counters, ...unpushed },
          actions: [log, { type: 'notify', event: 'standby', message }],
        };
      }
      case 'demote-failed': {
        if (s.role !== 'demoting') return ignored(s, input);
        const { shared, log } = enter(s, 'active', now, `stopping the gateway failed: ${input.error}`);
        const attempts = s.attempts + 1;
        const state: Active = {
          ...shared,
          role: 'active',
          // A demotion ordered at start-up may never have been active: active from now, no hold-down.
          activeSince: s.activeSince ?? now,
          holdDownUntil: s.holdDownUntil ?? now,
          ...(s.drill ? { drill: s.drill } : {}),
          attempts,
          retryAt: now + retryDelay(attempts),
          counters: { ...shared.counters, stopFailures: shared.counters.stopFailures + 1 },
        };
        const message = `stopping the standby gateway failed: ${input.error}`;
        return { state, actions: [log, { type: 'notify', event: 'stop-failed', message }] };
      }
      case 'hold': {
        if (s.role === 'held') return refuse(s, 'already held');
        if (s.role !== 'standby') {
          return refuse(s, `cannot hold while ${s.role}: hold applies to a standby that is not serving`);
        }
        const { shared, log } = enter(s, 'held', now, 'held by operator');
        return { state: { ...shared, role: 'held', ...unpushedOf(s) }, actions: [log] };
      }
      case 'release': {
        if (s.role !== 'held') return refuse(s, `not held (role is ${s.role})`);
        const { shared, log } = enter(s, 'standby', now, 'released by operator');
        return { state: { ...shared, role: 'standby', failures: 0, ...unpushedOf(s) }, actions: [log] };
      }
      case 'pushed':
      case 'push-failed':
        return onPushResult(policy, s, input, now);
      case 'drill': {
        if (s.role !== 'standby') return refuse(s, `a drill needs a standby, the role is ${s.role}`);
        if (s.primary.health === 'unknown' || countsAsFailing(policy, s.primary, now)) {
          return refuse(s, `a drill needs a healthy primary, the primary is ${s.primary.health}`);
        }
        if (!isDrillSeconds(input.seconds)) return refuse(s, DRILL_SECONDS_RULE);
        return promote(policy, s, now, `drill for ${input.seconds}s`, input.seconds);
      }
    }
  }

  return function step(s: State, input: Input, now: number): Outcome {
    switch (input.type) {
      case 'start':
        return reconcile(policy, s, input.gatewayRunning, now);
      case 'probe':
        return onProbe(s, input, now);
      default:
        return onResult(s, input, now);
    }
  };
}
