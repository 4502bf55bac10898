// The monitor's config file: one JSON document, validated once at start. This schema is the one
// contract for its shape: the renderer in cloud-init/ (and through it infra and the lab) types its
// input from MonitorConfigInput. Durations are seconds; defaults come from defaults.ts.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { NOTIFY_EVENTS } from './core/model.js';
import {
  DEFAULT_STATUS_LISTEN,
  GATEWAY_DEFAULTS,
  OWNER_DM_EVENTS,
  POLICY_DEFAULTS,
  TELEGRAM_API_ROOT,
  TIMEOUT_DEFAULTS,
  WORKSPACE_FETCH_SECONDS,
} from './defaults.js';
import { WITNESS_PATTERN } from './witnesses.js';

/** Exit code for bad configuration (sysexits EX_CONFIG); the systemd unit does not restart on it. */
export const EX_CONFIG = 78;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const seconds = (min = 0) => v.pipe(v.number(), v.finite(), v.minValue(min));
const positiveSeconds = v.pipe(v.number(), v.finite(), v.gtValue(0));
const count = v.pipe(v.number(), v.integer(), v.minValue(1));
const httpUrl = v.pipe(
  v.string(),
  v.url(),
  v.check((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL'),
  // Credentials in a URL would show in status and logs, and fetch refuses such a URL anyway.
  v.check((u) => {
    if (!URL.canParse(u)) return true; // v.url above has said so
    const { username, password } = new URL(u);
    return username === '' && password === '';
  }, 'must not contain credentials (user:password@): a token file or the URL path carries them'),
);
const nonEmpty = v.pipe(v.string(), v.minLength(1));

// The status server has no authentication: it may only listen on a loopback address.
const loopbackListen = v.pipe(
  v.string(),
  v.regex(/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost):\d{1,5}$/, 'must be a loopback host:port'),
);

/**
 * Warm standby (gateway.standbyMode "warm"): the gateway runs all the time and its one channel is
 * switched on and off by a file openclaw.json includes as `channels.<channel>.$include`, which
 * holds only `{"enabled": true|false}` (docs/platform-facts.md: OpenClaw hot-applies it).
 */
const warmStandby = v.strictObject({
  /** The standby's one channel: its key in openclaw.json and in the gateway's channels.status. */
  channel: v.picklist(['telegram', 'discord']),
  /** The include file; the monitor owns it and replaces it atomically. */
  switchFile: nonEmpty,
  /** The standby gateway's own token (gateway.auth.token), the bearer of its admin RPC (channels.status). */
  tokenFile: nonEmpty,
});

/** Keys both gateway managers take: cold (started on promotion) or warm (running, channel switched). */
const standbyKeys = {
  standbyMode: v.optional(v.picklist(['cold', 'warm']), GATEWAY_DEFAULTS.standbyMode),
  warm: v.optional(warmStandby),
};

const systemdGateway = v.strictObject({
  manager: v.literal('systemd'),
  unit: v.pipe(nonEmpty, v.regex(/^[\w@.:-]+\.service$/, 'must be a systemd .service unit name')),
  readyUrl: httpUrl,
  startTimeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.gatewayStartSeconds),
  stopTimeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.gatewayStopSeconds),
  ...standbyKeys,
});

const processGateway = v.strictObject({
  manager: v.literal('process'),
  command: v.pipe(v.array(nonEmpty), v.minLength(1)),
  cwd: v.optional(nonEmpty),
  env: v.optional(v.record(v.string(), v.string())),
  /** Where the detached gateway's output goes; defaults to gateway.log beside the state file (its pid file always goes there). */
  logFile: v.optional(nonEmpty),
  readyUrl: httpUrl,
  startTimeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.gatewayStartSeconds),
  stopTimeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.gatewayStopSeconds),
  ...standbyKeys,
});

const notifyTimeout = v.optional(positiveSeconds, TIMEOUT_DEFAULTS.notifySeconds);
const webhookTarget = v.strictObject({
  type: v.literal('webhook'),
  url: httpUrl,
  timeoutSeconds: notifyTimeout,
});
/** The standby's own Telegram bot DMs its owners: with the primary down, its channel is down too. */
const telegramTarget = v.strictObject({
  type: v.literal('telegram'),
  /** The bot token, alone in a file (0640, group of the monitor's user). */
  tokenFile: nonEmpty,
  /** Owners' chat ids (a user's id is the chat id of their DM with the bot). */
  chatIds: v.pipe(v.array(v.pipe(v.string(), v.regex(/^-?\d{1,20}$/))), v.minLength(1)),
  apiRoot: v.optional(httpUrl, TELEGRAM_API_ROOT),
  events: v.optional(v.array(v.picklist(NOTIFY_EVENTS)), [...OWNER_DM_EVENTS]),
  timeoutSeconds: notifyTimeout,
});

const MonitorConfigObject = v.strictObject({
  primary: v.strictObject({
    url: httpUrl,
    tokenFile: v.optional(nonEmpty),
    timeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.primarySeconds),
  }),
  // Its bound depends on the unit's WatchdogSec, known only at run time (watchdog.ts).
  checkIntervalSeconds: v.optional(positiveSeconds, POLICY_DEFAULTS.checkIntervalSeconds),
  failThreshold: v.optional(count, POLICY_DEFAULTS.failThreshold),
  recoverThreshold: v.optional(count, POLICY_DEFAULTS.recoverThreshold),
  minActiveSeconds: v.optional(seconds(), POLICY_DEFAULTS.minActiveSeconds),
  /** Promotions inside this window double the hold-down before demotion (flap damping). */
  flapWindowSeconds: v.optional(seconds(), POLICY_DEFAULTS.flapWindowSeconds),
  promoteOn: v.optional(v.picklist(['down', 'unready']), POLICY_DEFAULTS.promoteOn),
  /** At the failure rate seen, a false promotion at most once in this many days (core/detector.ts); 0: failThreshold always. */
  falsePromotionDays: v.optional(
    v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(36_500)),
    POLICY_DEFAULTS.falsePromotionDays,
  ),
  /** With promoteOn "down": a primary degraded (a channel failing) this long counts as failing; 0: never. */
  degradedGraceSeconds: v.optional(seconds(), POLICY_DEFAULTS.degradedGraceSeconds),
  /** During a failing run, probe this often instead of checkIntervalSeconds (core/detector.ts); 0: never. */
  confirmIntervalSeconds: v.optional(seconds(), POLICY_DEFAULTS.confirmIntervalSeconds),
  /** A failing run promotes only once it has lasted this long; 0: as soon as it is long enough in probes. */
  minOutageSeconds: v.optional(seconds(), POLICY_DEFAULTS.minOutageSeconds),
  gateway: v.variant('manager', [systemdGateway, processGateway]),
  workspace: v.optional(
    v.strictObject({
      path: nonEmpty,
      timeoutSeconds: v.optional(positiveSeconds, TIMEOUT_DEFAULTS.workspaceSeconds),
      pushBack: v.optional(v.boolean(), true),
      /** While standby, fetch the remote this often (after up probes), so a promotion with the remote down starts from a recent copy; 0: never. */
      fetchIntervalSeconds: v.optional(seconds(), WORKSPACE_FETCH_SECONDS),
    }),
  ),
  /**
   * The standby's own bot, for the duplicate-bot guard (primary-guard.ts): with primary.tokenFile,
   * a promotion is refused while the primary runs this bot. `id`: a Telegram token's part before
   * ':' (not secret). Only Telegram: OpenClaw reports no bot identity for other channels.
   */
  standbyBot: v.optional(
    v.strictObject({ channel: v.literal('telegram'), id: v.pipe(v.string(), v.regex(/^\d{1,20}$/)) }),
  ),
  /** TCP endpoints (`host:port`) the standby always reaches: while none answers, it does not promote (witnesses.ts). */
  witnesses: v.optional(
    v.pipe(v.array(v.pipe(v.string(), v.regex(WITNESS_PATTERN, 'must be host:port'))), v.maxLength(8)),
    [],
  ),
  stateFile: nonEmpty,
  status: v.optional(v.strictObject({ listen: loopbackListen }), { listen: DEFAULT_STATUS_LISTEN }),
  notify: v.optional(v.array(v.variant('type', [webhookTarget, telegramTarget])), []),
});

export const MonitorConfigSchema = v.pipe(
  MonitorConfigObject,
  // The warm block is there exactly when the mode is warm: a leftover one would be silently ignored.
  v.forward(
    v.check(
      ({ gateway }) => (gateway.standbyMode === 'warm') === (gateway.warm !== undefined),
      'required when gateway.standbyMode is "warm", and only then',
    ),
    ['gateway', 'warm'],
  ),
);

/** What a config file may say: every key with a default may be left out. */
export type MonitorConfigInput = v.InferInput<typeof MonitorConfigSchema>;
/** The validated config, every default filled in. */
export type MonitorConfig = v.InferOutput<typeof MonitorConfigSchema>;
export type GatewayConfig = MonitorConfig['gateway'];
export type WorkspaceConfig = NonNullable<MonitorConfig['workspace']>;

function describe(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  // Valibot reports an unknown key of a strict object at the key's own path.
  if (issue.kind === 'schema' && issue.type === 'strict_object') {
    if (issue.expected === 'never') return `${path}: unknown key`;
    if (issue.received === 'undefined') return `${path}: required key is missing`;
  }
  return `${path ?? '(root)'}: ${issue.message}`;
}

/**
 * Valibot's default messages end with the value received, which may be a secret (a webhook URL
 * carries its token, gateway.env a key): these say only what was expected. A message of the
 * schema's own (v.check, v.regex with a text) takes precedence and never quotes the value either.
 */
function withoutValue(issue: v.BaseIssue<unknown>): string {
  const what = issue.kind === 'schema' ? 'type' : issue.type.replaceAll('_', ' ');
  return issue.expected === null ? `Invalid ${what}` : `Invalid ${what}: Expected ${issue.expected}`;
}

/** Validates a parsed config document; throws ConfigError naming every bad key, never a value. */
export function parseConfig(raw: unknown): MonitorConfig {
  const result = v.safeParse(MonitorConfigSchema, raw, { message: withoutValue });
  if (result.success) return result.output;
  throw new ConfigError(`invalid config: ${result.issues.map(describe).join('; ')}`);
}

export function loadConfig(file: string): MonitorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // V8 quotes the text around a syntax error, which may be a secret: only its position is told.
    const at = / at position \d+.*$/.exec((err as Error).message)?.[0] ?? '';
    throw new ConfigError(`config file ${file} is not valid JSON${at}`);
  }
  return parseConfig(raw);
}
