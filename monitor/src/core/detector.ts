// How many failing probes in a row the standby needs before it promotes. A fixed count is either
// slow or jumpy: on a lossy link, runs of lost probes come by chance, and at 20 % loss the old
// fixed 3 promoted beside a healthy primary about 30 times a day. So the run asked for grows with
// the failure rate the standby has seen, until a run that long is expected by chance at most once
// per `falsePromotionDays`:
//
//   smallest k ≥ failThreshold with  (probes per day) · rate^k ≤ 1 / falsePromotionDays
//
// The rate is pessimistic: f failures seen in the last EVIDENCE_WINDOW probes give
// (f + 2√f + 1) / EVIDENCE_WINDOW, about the upper end of what f allows (a Poisson count two
// standard deviations up, plus one so that a clean window still admits a little noise). Probes not
// seen yet (a new monitor) count as clean. Failures of the current run are never evidence against
// itself, and a run that ended in a promotion was an outage, not link noise: it is dropped.
// falsePromotionDays 0 turns this off: failThreshold always, as the fixed rule did.
//
// Two more rules make the decision fast without making it jumpy. Once a probe fails, the standby
// confirms at once instead of waiting out the check interval: it probes every
// confirmIntervalSeconds, each time on a fresh connection, until the run is long enough or a probe
// passes; so the run is counted in seconds, not in check intervals, and one lost packet costs one
// quick extra probe, never a decision. And the run must have lasted minOutageSeconds: OpenClaw's
// own restart (a config change, an update) keeps its port closed for 4–6 s (measured), and a
// failover then would only split the workspace between two live gateways. Each failing probe
// counts one, whatever the failure: a refused connection is known at once, so a stopped gateway
// is decided after minOutageSeconds; a silent host only after each probe's timeout, a few
// seconds later.
// Run starts come at the check interval as before, so the per-day bound above still holds.
import type { Health, Policy, SharedState, State } from './model.js';

/** What a starting primary reports as failing for its first seconds: never a reason to promote. */
const STARTING = new Set(['startup-sidecars']);

/**
 * Whether a probe of `primary` (as just recorded) counts against it. Down always does. Degraded
 * (alive, channels failing: its users cannot reach it either) does under promoteOn "unready", and
 * under "down" once it has lasted degradedGraceSeconds, longer than OpenClaw's own ~120 s channel
 * grace, so a channel reconnecting by itself is left to do so. A start's sidecars never count.
 */
export function countsAsFailing(
  policy: Policy,
  primary: { health: Health | 'unknown'; failing: string[]; degradedSince?: number },
  now: number,
): boolean {
  if (primary.health === 'down') return true;
  if (primary.health !== 'degraded') return false;
  if (primary.failing.length > 0 && primary.failing.every((name) => STARTING.has(name))) return false;
  if (policy.promoteOn === 'unready') return true;
  const since = primary.degradedSince ?? now;
  return policy.degradedGraceSeconds > 0 && now - since >= policy.degradedGraceSeconds;
}

/** Probes the failure rate is taken over: at the default 5 s, the last 16⅔ minutes. */
export const EVIDENCE_WINDOW = 200;
/** The longest run ever asked for: a dead primary behind a very lossy link is still detected. */
export const MAX_REQUIRED_FAILURES = 60;

/** The number of the last probe recorded: every probe ever counted, across restarts. */
export const probeNumber = (s: SharedState) =>
  s.counters.probes.up + s.counters.probes.degraded + s.counters.probes.down;

export interface Suspicion {
  /** Failing probes in a row needed now. */
  required: number;
  /** Failures in the window before the current run, and the pessimistic rate they give. */
  evidence: number;
  rate: number;
}

/** The failure ordinals (probe numbers) kept as evidence once probe `ordinal` is recorded. */
export function keptEvidence(recentFailures: readonly number[], ordinal: number, failed: boolean): number[] {
  const kept = recentFailures.filter((o) => o > ordinal - EVIDENCE_WINDOW);
  return failed ? [...kept, ordinal] : kept;
}

/** The evidence in the window, without the current run of `failures` ending at probe `ordinal`. */
export function withoutRun(recentFailures: readonly number[], ordinal: number, failures: number): number[] {
  return recentFailures.filter((o) => o <= ordinal - failures && o > ordinal - EVIDENCE_WINDOW);
}

export function suspicion(
  policy: Policy,
  recentFailures: readonly number[],
  ordinal: number,
  failures: number,
): Suspicion {
  const evidence = withoutRun(recentFailures, ordinal, failures).length;
  const rate = Math.min(1, (evidence + 2 * Math.sqrt(evidence) + 1) / EVIDENCE_WINDOW);
  if (policy.falsePromotionDays === 0) return { required: policy.failThreshold, evidence, rate };
  const probesPerDay = 86_400 / policy.checkIntervalSeconds;
  const allowedPerDay = 1 / policy.falsePromotionDays;
  const needed =
    rate >= 1 ? MAX_REQUIRED_FAILURES : Math.ceil(Math.log(allowedPerDay / probesPerDay) / Math.log(rate));
  const required = Math.max(policy.failThreshold, Math.min(MAX_REQUIRED_FAILURES, needed));
  return { required, evidence, rate };
}

/** Seconds from the probe just recorded until the next one: the confirm interval during a standby's failing run. */
export function nextProbeSeconds(policy: Policy, s: State): number {
  const confirming = s.role === 'standby' && s.failures > 0 && policy.confirmIntervalSeconds > 0;
  return confirming
    ? Math.min(policy.confirmIntervalSeconds, policy.checkIntervalSeconds)
    : policy.checkIntervalSeconds;
}

/**
 * How early a run may reach minOutageSeconds: probes due a whole confirm interval apart are
 * recorded a few milliseconds off that, and an 8 s run must not wait one more probe for 7.998 s.
 */
const SCHEDULE_JITTER_SECONDS = 0.05;

/** How long the current failing run has lasted at `now`, from its first failing probe. */
export const runSeconds = (s: SharedState, now: number) => now - (s.failingSince ?? now);

/** Whether the standby's current failing run is an outage: long enough in probes and in seconds. */
export function runPromotes(policy: Policy, s: SharedState, now: number): boolean {
  if (s.failures < suspicion(policy, s.recentFailures, probeNumber(s), s.failures).required) return false;
  return runSeconds(s, now) >= policy.minOutageSeconds - SCHEDULE_JITTER_SECONDS;
}
