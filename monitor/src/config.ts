// The monitor's config file: one JSON document, validated once at start. Key names are a contract
// shared with the renderers in cloud-init/ and with the local lab; durations are seconds.
import { readFileSync } from 'node:fs';
import * as v from 'valibot';

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
);
const nonEmpty = v.pipe(v.string(), v.minLength(1));

// The status server has no authentication: it may only listen on a loopback address.
const loopbackListen = v.pipe(
  v.string(),
  v.regex(/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]|localhost):\d{1,5}$/, 'must be a loopback host:port'),
);

const systemdGateway = v.strictObject({
  manager: v.literal('systemd'),
  unit: v.pipe(nonEmpty, v.regex(/^[\w@.:-]+\.service$/, 'must be a systemd .service unit name')),
  readyUrl: httpUrl,
  startTimeoutSeconds: v.optional(positiveSeconds, 180),
  stopTimeoutSeconds: v.optional(positiveSeconds, 30),
});

const processGateway = v.strictObject({
  manager: v.literal('process'),
  command: v.pipe(v.array(nonEmpty), v.minLength(1)),
  cwd: v.optional(nonEmpty),
  env: v.optional(v.record(v.string(), v.string())),
  /** Where the detached gateway's output goes; defaults to gateway.log beside the state file (its pid file always goes there). */
  logFile: v.optional(nonEmpty),
  readyUrl: httpUrl,
  startTimeoutSeconds: v.optional(positiveSeconds, 180),
  stopTimeoutSeconds: v.optional(positiveSeconds, 30),
});

export const MonitorConfigSchema = v.strictObject({
  primary: v.strictObject({
    url: httpUrl,
    tokenFile: v.optional(nonEmpty),
    timeoutSeconds: v.optional(positiveSeconds, 2),
  }),
  checkIntervalSeconds: v.optional(positiveSeconds, 5),
  failThreshold: v.optional(count, 3),
  recoverThreshold: v.optional(count, 3),
  minActiveSeconds: v.optional(seconds(), 120),
  /** Promotions inside this window double the hold-down before demotion (flap damping). */
  flapWindowSeconds: v.optional(seconds(), 3600),
  promoteOn: v.optional(v.picklist(['down', 'unready']), 'down'),
  gateway: v.variant('manager', [systemdGateway, processGateway]),
  workspace: v.optional(
    v.strictObject({
      path: nonEmpty,
      timeoutSeconds: v.optional(positiveSeconds, 20),
      pushBack: v.optional(v.boolean(), true),
    }),
  ),
  stateFile: nonEmpty,
  status: v.optional(v.strictObject({ listen: loopbackListen }), { listen: '127.0.0.1:18790' }),
  notify: v.optional(
    v.array(
      v.strictObject({
        type: v.literal('webhook'),
        url: httpUrl,
        timeoutSeconds: v.optional(positiveSeconds, 5),
      }),
    ),
    [],
  ),
});

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

/** Validates a parsed config document; throws ConfigError naming every bad key. */
export function parseConfig(raw: unknown): MonitorConfig {
  const result = v.safeParse(MonitorConfigSchema, raw);
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
    throw new ConfigError(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw);
}
