// The decision core's vocabulary: roles, the persisted state, what goes in and what comes out.
// Times are seconds (epoch seconds from the daemon, any origin in tests).

/** Every role, in the order of a failover (held, the maintenance role, last). */
export const ROLES = ['standby', 'promoting', 'active', 'demoting', 'held'] as const;
export type Role = (typeof ROLES)[number];
export type Health = 'up' | 'degraded' | 'down';

export interface Policy {
  checkIntervalSeconds: number;
  failThreshold: number;
  recoverThreshold: number;
  minActiveSeconds: number;
  flapWindowSeconds: number;
  promoteOn: 'down' | 'unready';
  /** A false promotion expected at most once in this many days at the seen failure rate; 0: failThreshold always (core/detector.ts). */
  falsePromotionDays: number;
  /** With promoteOn "down": a primary degraded this long counts as failing; 0: never. */
  degradedGraceSeconds: number;
  /** While a run of failing probes lasts, probe this often instead of checkIntervalSeconds; 0: never (core/detector.ts). */
  confirmIntervalSeconds: number;
  /** A run of failing probes promotes only once it has lasted this long: longer than a restart of the primary's gateway. */
  minOutageSeconds: number;
}

export interface Transition {
  at: number;
  from: Role;
  to: Role;
  reason: string;
}

export interface DrillReport {
  startedAt: number;
  seconds: number;
  ok: boolean;
  readyAfterSeconds?: number;
  /** From the start of the drill until the standby was back in standby. */
  finishedAfterSeconds?: number;
  error?: string;
}

export interface Counters {
  probes: Record<Health, number>;
  promotions: number;
  demotions: number;
  startFailures: number;
  stopFailures: number;
  drills: number;
}

/** A drill asked for by the operator, while its gateway starts. */
export interface Drill {
  startedAt: number;
  seconds: number;
}

/** A drill whose gateway is serving, until it ends. */
export interface ServingDrill extends Drill {
  until: number;
}

/** What every role carries: the primary as last seen, the history and the totals. */
export interface SharedState {
  /** When the current role was entered, and why. */
  since: number;
  reason: string;
  /** `since`: when health or failing names last changed; `degradedSince`: start of the current degraded spell. */
  primary: { health: Health | 'unknown'; failing: string[]; since: number; degradedSince?: number };
  /** Consecutive probes that count as failing under `promoteOn`, and consecutive `up` (ready) probes. */
  failures: number;
  /** When the first probe of the current failing run was recorded; read only while `failures` > 0. */
  failingSince?: number;
  successes: number;
  /** Probe numbers (counters.probes summed) of the failing probes seen while watching, in the detector's window. */
  recentFailures: number[];
  /** Times of automatic promotions inside the flap window. */
  promotions: number[];
  lastDrill?: DrillReport;
  /** The most recent role changes, oldest first. */
  transitions: Transition[];
  counters: Counters;
}

/**
 * Changes committed while active whose push-back failed: they exist only on this machine until a
 * retry lands them, so the watching roles retry in the background (core/push-retry.ts).
 */
export interface UnpushedChanges {
  /** When the push-back at demotion failed. */
  since: number;
  /** Failed pushes of these changes so far, the demotion's included. */
  failures: number;
  lastError: string;
  /** A retry is in flight, or the time the next one is due. */
  retry: 'in-flight' | { at: number };
}

/** Watching the primary, ready to promote. */
export interface Standby extends SharedState {
  role: 'standby';
  unpushed?: UnpushedChanges;
}

/** Maintenance: watching the primary, never promoting. */
export interface Held extends SharedState {
  role: 'held';
  unpushed?: UnpushedChanges;
}

interface PromotingState extends SharedState {
  role: 'promoting';
  /** Failed starts in a row. */
  attempts: number;
  drill?: Drill;
}

/** A start (workspace pull, launch, readiness wait) is in flight: promoted or promote-failed comes back. */
export interface Starting extends PromotingState {
  start: 'in-flight';
}

/** The last start failed, or was refused; the next one is due at `retryAt`. */
export interface WaitingToRetry extends PromotingState {
  start: 'failed';
  retryAt: number;
  /** Why: the start's error, or the refusal's reason (absent in state files written before it was kept). */
  lastError?: string;
}

export type Promoting = Starting | WaitingToRetry;

/** The standby gateway is serving. */
export interface Active extends SharedState {
  role: 'active';
  activeSince: number;
  /** Earliest time a demotion may happen (minActiveSeconds, lengthened by flap damping). */
  holdDownUntil: number;
  drill?: ServingDrill;
  /** Failed stops in a row, and after one, when to try again. */
  attempts: number;
  retryAt?: number;
}

/** A stop (and the workspace push-back) is in flight: demoted or demote-failed comes back. */
export interface Demoting extends SharedState {
  role: 'demoting';
  /** Failed stops in a row, carried over from active so that their retry delay keeps doubling. */
  attempts: number;
  /** Carried over from active; absent when the demotion was ordered at start-up from promoting. */
  activeSince?: number;
  holdDownUntil?: number;
  drill?: ServingDrill;
}

/** The monitor's whole state, shaped by its role: each role carries exactly its fields. */
export type State = Standby | Held | Promoting | Active | Demoting;

export type Input =
  /** Once, when the monitor starts: reconcile the persisted state with the gateway's real state. */
  | { type: 'start'; gatewayRunning: boolean }
  /** A probe of the primary; `gatewayRunning` is the local gateway's state, checked while active. */
  | { type: 'probe'; health: Health; failing?: string[]; gatewayRunning?: boolean }
  | { type: 'promoted' }
  | { type: 'promote-failed'; error: string }
  /**
   * Not started: the duplicate-bot guard found the standby's bot on the primary (primary-guard.ts),
   * or the standby reaches none of its witnesses, so its own network is down (witnesses.ts).
   */
  | { type: 'promote-refused'; cause: 'duplicate-bot' | 'isolated'; reason: string }
  /** `pushFailed`: the gateway stopped but the workspace push-back failed, with git's reason. */
  | { type: 'demoted'; pushFailed?: string }
  | { type: 'pushed' }
  | { type: 'push-failed'; error: string }
  | { type: 'demote-failed'; error: string }
  | { type: 'hold' }
  | { type: 'release' }
  | { type: 'drill'; seconds: number };

/**
 * What notifications are told: the core's role changes and failures, and the daemon's workspace
 * sync (sync-failed: a pull or push-back failed, the failover went on; sync-diverged: the push-back
 * landed on a failover/ branch, a person has to merge it; sync-recovered: changes whose push-back
 * had failed reached the remote on a retry), duplicate-bot: the standby's bot runs elsewhere
 * too (on the primary, or another poller of its token), and isolated: a promotion was refused
 * because the standby reaches none of its witnesses.
 */
export const NOTIFY_EVENTS = [
  'promoting',
  'active',
  'start-failed',
  'demoting',
  'standby',
  'stop-failed',
  'gateway-died',
  'sync-failed',
  'sync-diverged',
  'sync-recovered',
  'duplicate-bot',
  'isolated',
  'credential-failing',
] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export type Action =
  /** Sync the workspace, start the gateway and wait until it is ready; answer promoted/promote-failed. */
  | { type: 'promote'; reason: string; attempt: number }
  /** Stop the gateway and push the workspace back; answer demoted/demote-failed. */
  | { type: 'demote'; reason: string }
  /** Push the workspace's unpushed commits again; answer pushed/push-failed. */
  | { type: 'push'; attempt: number }
  | { type: 'notify'; event: NotifyEvent; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; event: string; fields?: Record<string, unknown> };

export interface Outcome {
  state: State;
  actions: Action[];
  /** Set when an operator command was refused, with the reason. */
  refused?: string;
}

/** The shared part of a state, without its role's fields: what a new role starts from. */
export function sharedOf(s: State): SharedState {
  const { since, reason, primary, failures, failingSince, successes, recentFailures, promotions } = s;
  const { lastDrill, transitions, counters } = s;
  const picked = { since, reason, primary, failures, successes, recentFailures, promotions };
  return {
    ...picked,
    ...(failingSince === undefined ? {} : { failingSince }),
    transitions,
    counters,
    ...(lastDrill === undefined ? {} : { lastDrill }),
  };
}

export function initialState(now: number): State {
  return {
    role: 'standby',
    since: now,
    reason: 'initial',
    primary: { health: 'unknown', failing: [], since: now },
    failures: 0,
    successes: 0,
    recentFailures: [],
    promotions: [],
    transitions: [],
    counters: {
      probes: { up: 0, degraded: 0, down: 0 },
      promotions: 0,
      demotions: 0,
      startFailures: 0,
      stopFailures: 0,
      drills: 0,
    },
  };
}
