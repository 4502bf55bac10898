// Changes written while active whose push-back failed at demotion live only on this machine, so
// the watching roles (standby, held) push them again in the background, waiting longer after each
// failure, until they land. A retry is ordered only after an `up` probe: with the primary failing
// a promotion may be near, and its workspace pull must not queue behind a push (the workspace runs
// one git command at a time). A promotion drops the record: the push-back of the next demotion
// carries every local commit anyway.
import type { Held, Input, Outcome, Policy, Standby, State, UnpushedChanges } from './model.js';
import { backoffSeconds } from './transitions.js';

/** The longest wait between two pushes: bounds the time in which a destroy would lose the changes. */
export const MAX_PUSH_RETRY_SECONDS = 60;

const retryDelay = (policy: Policy, failures: number) =>
  backoffSeconds(policy, failures, MAX_PUSH_RETRY_SECONDS);

/** What a demotion whose push-back failed leaves for the standby to retry. */
export function unpushedAfterDemotion(policy: Policy, error: string, now: number): UnpushedChanges {
  return { since: now, failures: 1, lastError: error, retry: { at: now + retryDelay(policy, 1) } };
}

/** After an `up` probe while watching: the retry, when one is due. */
export function retryPushIfDue(s: Standby | Held, now: number): Outcome | undefined {
  const unpushed = s.unpushed;
  if (!unpushed || unpushed.retry === 'in-flight' || now < unpushed.retry.at) return undefined;
  return {
    state: { ...s, unpushed: { ...unpushed, retry: 'in-flight' } },
    actions: [{ type: 'push', attempt: unpushed.failures + 1 }],
  };
}

/** A retry that was in flight when the monitor stopped is due at once. */
export function resumeAfterRestart<S extends Standby | Held>(s: S, now: number): S {
  if (s.unpushed?.retry !== 'in-flight') return s;
  return { ...s, unpushed: { ...s.unpushed, retry: { at: now } } };
}

export function onPushResult(
  policy: Policy,
  s: State,
  input: Extract<Input, { type: 'pushed' | 'push-failed' }>,
  now: number,
): Outcome {
  if ((s.role !== 'standby' && s.role !== 'held') || s.unpushed === undefined) {
    // A promotion came first: the next demotion pushes these commits with its own.
    const fields = { input: input.type, role: s.role };
    return { state: s, actions: [{ type: 'log', level: 'info', event: 'push-result-dropped', fields }] };
  }
  const unpushed = s.unpushed;
  if (input.type === 'pushed') {
    const { unpushed: _landed, ...landed } = s;
    const fields = { failures: unpushed.failures, waitedSeconds: Math.round(now - unpushed.since) };
    const message = `the workspace changes whose push-back had failed reached the remote after ${unpushed.failures} failed pushes`;
    return {
      state: landed,
      actions: [
        { type: 'log', level: 'info', event: 'push-retry-landed', fields },
        { type: 'notify', event: 'sync-recovered', message },
      ],
    };
  }
  const failures = unpushed.failures + 1;
  const retryInSeconds = retryDelay(policy, failures);
  return {
    state: {
      ...s,
      unpushed: { ...unpushed, failures, lastError: input.error, retry: { at: now + retryInSeconds } },
    },
    actions: [
      { type: 'log', level: 'warn', event: 'push-retry-failed', fields: { failures, retryInSeconds } },
    ],
  };
}
