// The decision core's vocabulary: roles, the persisted state, what goes in and what comes out.
// Times are seconds (epoch seconds from the daemon, any origin in tests).

export type Role = 'standby' | 'promoting' | 'active' | 'demoting' | 'held';
export type Health = 'up' | 'degraded' | 'down';

export interface Policy {
  checkIntervalSeconds: number;
  failThreshold: number;
  recoverThreshold: number;
  minActiveSeconds: number;
  flapWindowSeconds: number;
  promoteOn: 'down' | 'unready';
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

export interface State {
  role: Role;
  /** When the current role was entered, and why. */
  since: number;
  reason: string;
  primary: { health: Health | 'unknown'; failing: string[]; since: number };
  /** Consecutive probes that count as failing under `promoteOn`, and consecutive `up` (ready) probes. */
  failures: number;
  successes: number;
  activeSince?: number;
  /** Earliest time a demotion may happen (minActiveSeconds, lengthened by flap damping). */
  holdDownUntil?: number;
  /** Times of automatic promotions inside the flap window. */
  promotions: number[];
  /** Failed starts (while promoting) or stops (while active) in a row, and when to try again. */
  attempts: number;
  retryAt?: number;
  drill?: { startedAt: number; seconds: number; until?: number };
  lastDrill?: DrillReport;
  /** The most recent role changes, oldest first. */
  transitions: Transition[];
  counters: Counters;
}

export type Input =
  /** Once, when the monitor starts: reconcile the persisted state with the gateway's real state. */
  | { type: 'start'; gatewayRunning: boolean }
  /** A probe of the primary; `gatewayRunning` is the local gateway's state, checked while active. */
  | { type: 'probe'; health: Health; failing?: string[]; gatewayRunning?: boolean }
  | { type: 'promoted' }
  | { type: 'promote-failed'; error: string }
  | { type: 'demoted' }
  | { type: 'demote-failed'; error: string }
  | { type: 'hold' }
  | { type: 'release' }
  | { type: 'drill'; seconds: number };

export type NotifyEvent =
  | 'promoting'
  | 'active'
  | 'start-failed'
  | 'demoting'
  | 'standby'
  | 'stop-failed'
  | 'gateway-died';

export type Action =
  /** Sync the workspace, start the gateway and wait until it is ready; answer promoted/promote-failed. */
  | { type: 'promote'; reason: string; attempt: number }
  /** Stop the gateway and push the workspace back; answer demoted/demote-failed. */
  | { type: 'demote'; reason: string }
  | { type: 'notify'; event: NotifyEvent; message: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; event: string; fields?: Record<string, unknown> };

export interface Outcome {
  state: State;
  actions: Action[];
  /** Set when an operator command was refused, with the reason. */
  refused?: string;
}

export function initialState(now: number): State {
  return {
    role: 'standby',
    since: now,
    reason: 'initial',
    primary: { health: 'unknown', failing: [], since: now },
    failures: 0,
    successes: 0,
    promotions: [],
    attempts: 0,
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
