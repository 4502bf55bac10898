// The state file's format: `{"version": 2, "state": …}` with the role-shaped state of
// core/model.ts, validated in full on load (a field of the wrong type would otherwise crash the
// monitor on its first probe or /status). The first format (no version, one flat object whose
// optional fields meant different things per role) is migrated on load.
import * as v from 'valibot';
import { EVIDENCE_WINDOW } from './core/detector.js';
import { initialState, ROLES, type State } from './core/model.js';
import { MAX_TRANSITIONS } from './core/transitions.js';
import { DRILL_SECONDS_RULE, isDrillSeconds } from './drill-seconds.js';
import { MAX_BODY_CHARS } from './http-get.js';

export const STATE_FILE_VERSION = 2;

// Bounds are what the monitor itself writes, so a file past them was not written by it: times a
// Date can show (/status shows each as ISO text; a larger one throws there), drills as long as a
// drill command may ask (its end is `now + seconds`), lists as long as the core keeps them.
const MAX_TIME = 8.64e12;
const time = v.pipe(v.number(), v.finite(), v.minValue(-MAX_TIME), v.maxValue(MAX_TIME));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const seconds = v.pipe(v.number(), v.check(isDrillSeconds, DRILL_SECONDS_RULE));
const list = <T extends v.GenericSchema>(item: T, max: number) => v.pipe(v.array(item), v.maxLength(max));
/** Automatic promotions inside the flap window: each doubles the hold-down, so a handful in practice. */
const MAX_PROMOTIONS = 1000;
/** The primary's failing channels come from one answer, at most MAX_BODY_CHARS long. */
const MAX_FAILING = MAX_BODY_CHARS / 3;
const role = v.picklist(ROLES);

const drill = v.object({ startedAt: time, seconds });
const servingDrill = v.object({ ...drill.entries, until: time });
const drillReport = v.object({
  startedAt: time,
  seconds,
  ok: v.boolean(),
  readyAfterSeconds: v.optional(time),
  finishedAfterSeconds: v.optional(time),
  error: v.optional(v.string()),
});
const counters = v.object({
  probes: v.object({ up: count, degraded: count, down: count }),
  promotions: count,
  demotions: count,
  startFailures: count,
  stopFailures: count,
  drills: count,
});

const shared = {
  since: time,
  reason: v.string(),
  primary: v.object({
    health: v.picklist(['up', 'degraded', 'down', 'unknown']),
    failing: list(v.string(), MAX_FAILING),
    since: time,
    degradedSince: v.optional(time),
  }),
  failures: count,
  failingSince: v.optional(time),
  successes: count,
  // Files written before the adaptive detector have no evidence: a clean start.
  recentFailures: v.optional(list(count, EVIDENCE_WINDOW), []),
  promotions: list(time, MAX_PROMOTIONS),
  lastDrill: v.optional(drillReport),
  transitions: list(v.object({ at: time, from: role, to: role, reason: v.string() }), MAX_TRANSITIONS),
  counters,
};

const unpushed = v.optional(
  v.object({
    since: time,
    failures: count,
    lastError: v.string(),
    retry: v.union([v.literal('in-flight'), v.object({ at: time })]),
  }),
);

const promoting = { ...shared, role: v.literal('promoting'), attempts: count, drill: v.optional(drill) };

const StateSchema = v.variant('role', [
  v.object({ ...shared, role: v.literal('standby'), unpushed }),
  v.object({ ...shared, role: v.literal('held'), unpushed }),
  v.variant('start', [
    v.object({ ...promoting, start: v.literal('in-flight') }),
    v.object({ ...promoting, start: v.literal('failed'), retryAt: time, lastError: v.optional(v.string()) }),
  ]),
  v.object({
    ...shared,
    role: v.literal('active'),
    activeSince: time,
    holdDownUntil: time,
    drill: v.optional(servingDrill),
    attempts: count,
    retryAt: v.optional(time),
  }),
  v.object({
    ...shared,
    role: v.literal('demoting'),
    attempts: count,
    activeSince: v.optional(time),
    holdDownUntil: v.optional(time),
    drill: v.optional(servingDrill),
  }),
]) satisfies v.GenericSchema<unknown, State>;

const StateFileSchema = v.object({ version: v.literal(STATE_FILE_VERSION), state: StateSchema });

/**
 * The first format, as its store loaded it: only `role` was required and every missing field got
 * its initial value (the fresh state's, at `now`).
 */
function flatFileSchema(now: number) {
  const fresh = initialState(now);
  return v.object({
    role,
    since: v.optional(time, fresh.since),
    reason: v.optional(v.string(), fresh.reason),
    primary: v.optional(shared.primary, fresh.primary),
    failures: v.optional(count, 0),
    successes: v.optional(count, 0),
    promotions: v.optional(shared.promotions, []),
    lastDrill: v.optional(drillReport),
    transitions: v.optional(shared.transitions, []),
    counters: v.optional(
      v.object({
        probes: v.optional(counters.entries.probes, fresh.counters.probes),
        promotions: v.optional(count, 0),
        demotions: v.optional(count, 0),
        startFailures: v.optional(count, 0),
        stopFailures: v.optional(count, 0),
        drills: v.optional(count, 0),
      }),
      fresh.counters,
    ),
    activeSince: v.optional(time),
    holdDownUntil: v.optional(time),
    attempts: v.optional(count, 0),
    retryAt: v.optional(time),
    drill: v.optional(v.object({ ...drill.entries, until: v.optional(time) })),
  });
}

/** The first format's flat state in its role's shape; the fields its role does not carry are dropped. */
function fromFlat(flat: v.InferOutput<ReturnType<typeof flatFileSchema>>): unknown {
  const { role, activeSince, holdDownUntil, attempts, retryAt, drill, ...common } = flat;
  switch (role) {
    case 'standby':
    case 'held':
      return { ...common, role };
    case 'promoting':
      // A start was in flight exactly when no retry time was set.
      return retryAt === undefined
        ? { ...common, role, attempts, drill, start: 'in-flight' }
        : { ...common, role, attempts, drill, start: 'failed', retryAt };
    case 'active':
      return { ...common, role, activeSince, holdDownUntil, drill, attempts, retryAt };
    case 'demoting':
      return { ...common, role, attempts, activeSince, holdDownUntil, drill };
  }
}

function describe(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`)
    .join('; ');
}

export class StateFileError extends Error {
  override readonly name = 'StateFileError';
}

/** The state in a parsed state file, of this version or migrated from the first; throws StateFileError. */
export function stateFromFile(raw: unknown, now: number): { state: State; migrated: boolean } {
  const versioned = typeof raw === 'object' && raw !== null && 'version' in raw;
  if (versioned) {
    const file = v.safeParse(StateFileSchema, raw);
    if (!file.success) throw new StateFileError(describe(file.issues));
    return { state: file.output.state, migrated: false };
  }
  const flat = v.safeParse(flatFileSchema(now), raw);
  if (!flat.success) throw new StateFileError(`unversioned file: ${describe(flat.issues)}`);
  const state = v.safeParse(StateSchema, fromFlat(flat.output));
  if (!state.success) throw new StateFileError(`unversioned file: ${describe(state.issues)}`);
  return { state: state.output, migrated: true };
}

export function stateFileText(state: State): string {
  return `${JSON.stringify({ version: STATE_FILE_VERSION, state })}\n`;
}
