// Shared helpers for the decision-core tests: policies, a tiny driver that feeds inputs through
// step at a controlled clock, and compact signatures of the actions it returns.

import { nextProbeSeconds } from '../../monitor/src/core/detector.js';
import type {
  Action,
  Drill,
  Health,
  Input,
  Outcome,
  Policy,
  Role,
  State,
} from '../../monitor/src/core/model.js';
import { initialState } from '../../monitor/src/core/model.js';
import { makeStep } from '../../monitor/src/core/step.js';
import { POLICY_DEFAULTS } from '../../monitor/src/defaults.js';

/** The config file's defaults. */
export const DEFAULTS: Policy = POLICY_DEFAULTS;

/** The seed's bash loop: every 10 s, 3 failures to start, the first success stops, no hold-down. */
export const SEED: Policy = {
  ...DEFAULTS,
  checkIntervalSeconds: 10,
  failThreshold: 3,
  recoverThreshold: 1,
  minActiveSeconds: 0,
  falsePromotionDays: 0,
  confirmIntervalSeconds: 0,
  minOutageSeconds: 0,
};

/** The defaults with the fixed rule of failThreshold failures in a row (no adaptive detector, no confirm burst, no minimum outage). */
export const FIXED: Policy = {
  ...DEFAULTS,
  falsePromotionDays: 0,
  confirmIntervalSeconds: 0,
  minOutageSeconds: 0,
};

export const T0 = 1000;

/**
 * A state whatever its role, with the fields only some roles carry readable (absent in the
 * others): how the tests look at the driver's state without narrowing it first.
 */
export type StateView = State & {
  activeSince?: number;
  holdDownUntil?: number;
  attempts?: number;
  retryAt?: number;
  drill?: Drill & { until?: number };
};
export type OutcomeView = Outcome & { state: StateView };

/** One action as a short string: `promote`, `demote`, `notify:<event>`, `log:<event>`. */
export function sig(a: Action): string {
  if (a.type === 'notify') return `notify:${a.event}`;
  if (a.type === 'log') return `log:${a.event}`;
  return a.type;
}

export const sigs = (actions: Action[]) => actions.map(sig);
/** The signatures without log actions: what the daemon really does. */
export const effects = (actions: Action[]) => actions.filter((a) => a.type !== 'log').map(sig);

export interface Entry {
  at: number;
  input: Input;
  outcome: Outcome;
}

/**
 * Drives the core like the daemon: `send` steps at the current clock, `probe` steps and then moves
 * the clock one check interval on, or with `cadence: 'core'` as far as the core asks
 * (nextProbeSeconds: the confirm interval during a failing run), as the daemon does. With
 * `autoAnswer`, promote/demote actions are answered at once with promoted/demoted, like a gateway
 * that always starts and stops.
 */
export class Driver {
  readonly step: (s: State, input: Input, now: number) => Outcome;
  state: StateView;
  now: number;
  readonly history: Entry[] = [];
  autoAnswer: boolean;
  readonly cadence: 'fixed' | 'core';

  constructor(
    readonly policy: Policy,
    opts: { state?: State; now?: number; autoAnswer?: boolean; cadence?: 'fixed' | 'core' } = {},
  ) {
    this.step = makeStep(policy);
    this.now = opts.now ?? T0;
    this.state = opts.state ?? initialState(this.now);
    this.autoAnswer = opts.autoAnswer ?? false;
    this.cadence = opts.cadence ?? 'fixed';
  }

  send(input: Input): OutcomeView {
    const outcome: OutcomeView = this.step(this.state, input, this.now);
    this.history.push({ at: this.now, input, outcome });
    this.state = outcome.state;
    if (this.autoAnswer) {
      for (const a of outcome.actions) {
        if (a.type === 'promote') this.send({ type: 'promoted' });
        if (a.type === 'demote') this.send({ type: 'demoted' });
      }
    }
    return outcome;
  }

  probe(health: Health, extra: { failing?: string[]; gatewayRunning?: boolean } = {}): OutcomeView {
    const outcome = this.send({ type: 'probe', health, ...extra });
    this.now +=
      this.cadence === 'core' ? nextProbeSeconds(this.policy, this.state) : this.policy.checkIntervalSeconds;
    return outcome;
  }

  /** Probes from a pattern: `u` up, `g` degraded, `d` down (spaces ignored). Returns the roles after each. */
  probes(pattern: string, extra: { gatewayRunning?: boolean } = {}): Role[] {
    const roles: Role[] = [];
    for (const ch of pattern.replace(/\s+/g, '')) {
      const health: Health = ch === 'u' ? 'up' : ch === 'g' ? 'degraded' : 'down';
      if (!'ugd'.includes(ch)) throw new Error(`bad probe pattern character ${ch}`);
      this.probe(health, health === 'degraded' ? { ...extra, failing: ['telegram'] } : extra);
      roles.push(this.state.role);
    }
    return roles;
  }

  advance(seconds: number): this {
    this.now += seconds;
    return this;
  }

  /** All actions returned since history entry `from`. */
  actionsSince(from: number): Action[] {
    return this.history.slice(from).flatMap((e) => e.outcome.actions);
  }

  count(type: Action['type']): number {
    return this.actionsSince(0).filter((a) => a.type === type).length;
  }
}

/** Down probes until the standby promotes (as many as the detector asks for). */
function downUntilPromoting(d: Driver): void {
  for (let i = 0; i < 100 && d.state.role === 'standby'; i++) d.probe('down');
}

/** A driver already `active` after a real failover (down probes, promoted) under `policy`. */
export function activeDriver(policy: Policy = DEFAULTS): Driver {
  const d = new Driver(policy);
  downUntilPromoting(d);
  d.send({ type: 'promoted' });
  if (d.state.role !== 'active') throw new Error(`expected active, got ${d.state.role}`);
  return d;
}

/** A driver `promoting` after a real failover, with the start in flight. */
export function promotingDriver(policy: Policy = DEFAULTS): Driver {
  const d = new Driver(policy);
  downUntilPromoting(d);
  if (d.state.role !== 'promoting') throw new Error(`expected promoting, got ${d.state.role}`);
  return d;
}

/** A standby with a known-healthy primary, ready for a drill. */
export function healthyStandby(policy: Policy = DEFAULTS): Driver {
  const d = new Driver(policy);
  d.probes('u');
  return d;
}

/** A small deterministic PRNG (a 32-bit linear congruential generator), for property-style tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 2 ** 32;
  };
}
