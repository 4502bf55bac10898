// What the monitor tells about itself: the JSON behind `openclaw-failover status` and the
// Prometheus text behind /metrics. Pure functions of the state.
import type { MonitorConfig } from './config.js';
import { EVIDENCE_WINDOW, probeNumber, suspicion } from './core/detector.js';
import { type Drill, type Health, ROLES, type State, type UnpushedChanges } from './core/model.js';
import { CREDENTIALS, type Credential, type CredentialProblem } from './credentials.js';
import type { DuplicateBot } from './duplicate-bot.js';
import type { ProbeResult } from './probe.js';
import { shownUrl } from './shown-url.js';
import type { ProbeErrors } from './unprobed.js';
import { version } from './version.js';
import type { WorkspaceFreshness } from './workspace-refresh.js';

const HEALTHS: readonly Health[] = ['up', 'degraded', 'down'];

const iso = (seconds: number | undefined) =>
  seconds === undefined ? undefined : new Date(seconds * 1000).toISOString();

/** The fields only some roles carry, as the flat status document shows them. */
interface RoleDetails {
  activeSince?: number;
  holdDownUntil?: number;
  retryAt?: number;
  /** Why the last start failed or was refused, while its retry waits. */
  lastError?: string;
  attempts: number;
  drill?: Drill & { until?: number };
  unpushed?: UnpushedChanges;
}

function roleDetails(s: State): RoleDetails {
  switch (s.role) {
    case 'standby':
    case 'held':
      return { attempts: 0, unpushed: s.unpushed };
    case 'promoting':
      return s.start === 'failed'
        ? { attempts: s.attempts, retryAt: s.retryAt, lastError: s.lastError, drill: s.drill }
        : { attempts: s.attempts, drill: s.drill };
    case 'active':
    case 'demoting':
      return s;
  }
}

/** What the daemon knows beyond the core's state: the last probe, probes not made, the last fetch. */
export interface Observed {
  lastProbe: ProbeResult | undefined;
  probeErrors: ProbeErrors;
  workspace: WorkspaceFreshness;
  duplicateBot: DuplicateBot;
  /** Credentials the standby depends on that were refused or are about to expire. */
  credentials: Partial<Record<Credential, CredentialProblem>>;
}

export function statusOf(state: State, config: MonitorConfig, observed: Observed, host: string) {
  const { lastProbe, probeErrors } = observed;
  const details = roleDetails(state);
  const detector = suspicion(config, state.recentFailures, probeNumber(state), state.failures);
  return {
    role: state.role,
    since: iso(state.since),
    reason: state.reason,
    host,
    version,
    primary: {
      url: shownUrl(config.primary.url),
      health: state.primary.health,
      failing: state.primary.failing,
      since: iso(state.primary.since),
      lastDetail: lastProbe?.detail,
      lastLatencyMs: lastProbe === undefined ? undefined : Math.round(lastProbe.latencyMs),
      consecutiveFailures: state.failures,
      /** When the current failing run began (while consecutiveFailures > 0). */
      failingSince: state.failures > 0 ? iso(state.failingSince) : undefined,
      consecutiveSuccesses: state.successes,
      /** Probes this machine could not make (no verdict on the primary), since the monitor started. */
      probeErrors: probeErrors.total,
      /** Set while probes cannot be made, with the cause. */
      probeError: probeErrors.current,
    },
    policy: {
      checkIntervalSeconds: config.checkIntervalSeconds,
      failThreshold: config.failThreshold,
      recoverThreshold: config.recoverThreshold,
      minActiveSeconds: config.minActiveSeconds,
      flapWindowSeconds: config.flapWindowSeconds,
      promoteOn: config.promoteOn,
      falsePromotionDays: config.falsePromotionDays,
      confirmIntervalSeconds: config.confirmIntervalSeconds,
      minOutageSeconds: config.minOutageSeconds,
    },
    /** What the standby asks for now: failing probes in a row, from the failures of the last probes. */
    detector: {
      requiredFailures: detector.required,
      recentFailures: detector.evidence,
      window: EVIDENCE_WINDOW,
      failureRate: Number(detector.rate.toFixed(4)),
    },
    activeSince: iso(details.activeSince),
    holdDownUntil: iso(details.holdDownUntil),
    retryAt: iso(details.retryAt),
    lastStartError: details.lastError,
    attempts: details.attempts,
    drill: details.drill && {
      ...details.drill,
      startedAt: iso(details.drill.startedAt),
      until: iso(details.drill.until),
    },
    /** The standby's last background fetch: how fresh a promotion with the remote down would start. */
    workspace: config.workspace && {
      fetchedAt: iso(observed.workspace.fetchedAt),
      newestCommitAt: iso(observed.workspace.newestCommitAt),
      lastFetchError: observed.workspace.lastError,
    },
    /** Changes written while active that a failed push-back left only on this machine. */
    unpushed: details.unpushed && {
      since: iso(details.unpushed.since),
      failures: details.unpushed.failures,
      lastError: details.unpushed.lastError,
      nextRetry: details.unpushed.retry === 'in-flight' ? 'in-flight' : iso(details.unpushed.retry.at),
    },
    /** The standby's bot seen running elsewhere: on the primary (the guard's last answer), or by a 409 on its own channel. */
    duplicateBot: {
      primary: observed.duplicateBot.primary && {
        ...observed.duplicateBot.primary,
        at: iso(observed.duplicateBot.primary.at),
      },
      poller: observed.duplicateBot.poller && {
        ...observed.duplicateBot.poller,
        since: iso(observed.duplicateBot.poller.since),
      },
    },
    /** What a next failover would miss: a refused bot token or deploy key, an expiring node key (credentials.ts). */
    credentials: Object.fromEntries(
      Object.entries(observed.credentials).map(([name, p]) => [name, { ...p, since: iso(p.since) }]),
    ),
    lastDrill: state.lastDrill && { ...state.lastDrill, startedAt: iso(state.lastDrill.startedAt) },
    counters: state.counters,
    transitions: state.transitions.map((t) => ({ ...t, at: iso(t.at) })),
  };
}

export type Status = ReturnType<typeof statusOf>;

export function metricsOf(state: State, observed: Observed): string {
  const { lastProbe, probeErrors } = observed;
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: [string, number][]) => {
    lines.push(`# HELP openclaw_failover_${name} ${help}`, `# TYPE openclaw_failover_${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`openclaw_failover_${name}${labels} ${value}`);
  };
  const c = state.counters;
  metric(
    'role',
    'gauge',
    'Current role (1 for the current one).',
    ROLES.map((r) => [`{role="${r}"}`, +(r === state.role)]),
  );
  metric(
    'primary_health',
    'gauge',
    'Last probed primary health (1 for the current one).',
    HEALTHS.map((h) => [`{health="${h}"}`, +(h === state.primary.health)]),
  );
  metric(
    'workspace_fetched_timestamp_seconds',
    'gauge',
    'When the last background fetch worked (0: never).',
    [['', observed.workspace.fetchedAt ?? 0]],
  );
  const unpushed = state.role === 'standby' || state.role === 'held' ? state.unpushed : undefined;
  metric(
    'workspace_unpushed_failures',
    'gauge',
    'Failed pushes of workspace changes that exist only on this machine (0: none waiting).',
    [['', unpushed?.failures ?? 0]],
  );
  const { primary: guard, poller } = observed.duplicateBot;
  metric(
    'duplicate_bot',
    'gauge',
    "The standby's bot seen running elsewhere (1), by the primary's answer or by its own channel's 409.",
    [
      ['{source="primary"}', +(guard?.verdict === 'duplicate')],
      ['{source="channel"}', +(poller !== undefined)],
    ],
  );
  metric(
    'credential_problem',
    'gauge',
    'A credential the standby depends on refused, or expiring within days (1).',
    CREDENTIALS.map((name) => [`{credential="${name}"}`, +(observed.credentials[name] !== undefined)]),
  );
  metric('consecutive_failures', 'gauge', 'Consecutive failing probes of the primary.', [
    ['', state.failures],
  ]);
  metric('probe_latency_seconds', 'gauge', 'Duration of the last probe.', [
    ['', (lastProbe?.latencyMs ?? 0) / 1000],
  ]);
  metric(
    'probes_total',
    'counter',
    'Probes of the primary by result.',
    HEALTHS.map((h) => [`{result="${h}"}`, c.probes[h]]),
  );
  metric(
    'probe_errors_total',
    'counter',
    'Probes this machine could not make (out of descriptors, memory or ports): no verdict on the primary.',
    [['', probeErrors.total]],
  );
  // The decision, not its outcome: a promotion refused (duplicate bot, isolated) or abandoned counts.
  metric('promotions_total', 'counter', 'Automatic promote decisions, refused ones included.', [
    ['', c.promotions],
  ]);
  metric('demotions_total', 'counter', 'Automatic demotions.', [['', c.demotions]]);
  metric('start_failures_total', 'counter', 'Failed gateway starts.', [['', c.startFailures]]);
  metric('stop_failures_total', 'counter', 'Failed gateway stops.', [['', c.stopFailures]]);
  metric('drills_total', 'counter', 'Drills started.', [['', c.drills]]);
  return `${lines.join('\n')}\n`;
}
