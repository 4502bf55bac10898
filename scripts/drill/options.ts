// Command-line options of `npm run drill`: lab timings (realistic but short by default, or the
// seed's bash loop with --seed), loopback ports and the logs folder.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scaledFalsePromotionDays } from '../../lab/monitor-config.js';
import { POLICY_DEFAULTS } from '../../monitor/src/defaults.js';

export interface Timings {
  checkIntervalSeconds: number;
  probeTimeoutSeconds: number;
  failThreshold: number;
  recoverThreshold: number;
  minActiveSeconds: number;
  falsePromotionDays: number;
  confirmIntervalSeconds: number;
  minOutageSeconds: number;
}

export interface Ports {
  primary: number;
  standby: number;
  status: number;
}

/** How the standby's gateway waits (gateway.standbyMode): running with its channel off, or stopped. */
export type StandbyMode = 'warm' | 'cold';

export interface DrillOptions {
  timings: Timings;
  standbyMode: StandbyMode;
  ports: Ports;
  /** Kept after the drill (the lab folder is not): the place to look when something went wrong. */
  logsDir: string;
  /** Whether the timings are the seed's, for the header. */
  seed: boolean;
  /** Where the measurements go as JSON after a successful drill (`npm run bench` reads them). */
  jsonFile: string | undefined;
}

/** A bad flag: exit 64 (EX_USAGE) with the message and the usage text. */
export class UsageError extends Error {}

const LAB_TIMINGS: Timings = {
  checkIntervalSeconds: 1,
  probeTimeoutSeconds: 1,
  failThreshold: 3,
  recoverThreshold: 2,
  minActiveSeconds: 5,
  // Set from the interval (parseOptions): the default bound at the drill's pace.
  falsePromotionDays: scaledFalsePromotionDays(5),
  // Real seconds, not scaled: an OpenClaw restart keeps its port closed as long at any probe pace.
  confirmIntervalSeconds: POLICY_DEFAULTS.confirmIntervalSeconds,
  minOutageSeconds: POLICY_DEFAULTS.minOutageSeconds,
};

// The seed's bash loop: curl every 10 s, promote after 3 failures, stop at the first success.
const SEED_TIMINGS: Timings = {
  ...LAB_TIMINGS,
  checkIntervalSeconds: 10,
  failThreshold: 3,
  recoverThreshold: 1,
  minActiveSeconds: 0,
  falsePromotionDays: 0,
  confirmIntervalSeconds: 0,
  minOutageSeconds: 0,
};

// Away from OpenClaw's own defaults (gateway 18789, monitor status 18790), so that a gateway or
// monitor already running on this machine does not collide with the lab.
const DEFAULT_PORTS: Ports = { primary: 28789, standby: 28799, status: 28809 };

/** The flag that sets each port, for error messages. */
export const PORT_FLAGS: Record<keyof Ports, string> = {
  primary: '--primary-port',
  standby: '--standby-port',
  status: '--status-port',
};

function defaultLogsDir(): string {
  // The toolchain's cache folder (scripts/toolchain.sh), so that one place holds all the drill left.
  const cache =
    process.env.FAILOVER_GATEWAY_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'failover-gateway');
  return join(cache, 'drill-logs');
}

export const USAGE = `npm run drill -- [options]

Runs a real OpenClaw gateway as primary and a standby (the built failover monitor plus a second
OpenClaw gateway) on loopback, each with a Telegram channel and its own bot on the lab's Bot API
and model stand-ins; kills the primary, shows the failover as it happens while the owner DMs the
standby bot every 0.5 s, brings the primary back, shows the demotion while the owner DMs the
primary bot, and prints the timings.

Timings (lab defaults: 1 s probes, promote after 3 failures over at least ${POLICY_DEFAULTS.minOutageSeconds} s, demote after 2 healthy probes and 5 s active):
  --interval SECONDS           seconds between probes of the primary (checkIntervalSeconds)
  --timeout SECONDS            probe timeout (primary.timeoutSeconds)
  --fail-threshold N           failing probes in a row before promoting (failThreshold)
  --recover-threshold N        healthy probes in a row before demoting (recoverThreshold)
  --min-active SECONDS         least time active before demoting (minActiveSeconds)
  --confirm-interval SECONDS   seconds between probes during a failing run (confirmIntervalSeconds)
  --min-outage SECONDS         least time a failing run lasts before promoting (minOutageSeconds)
  --seed                       the seed's settings: 10 s x 3, demote on the first success, no
                               confirm burst, minimum outage or active time, a cold standby
                               (flags given as well override them)
Standby:
  --standby warm|cold          warm (the stack's default): the standby gateway runs from the
                               start with its channel off and the promotion switches it on;
                               cold: the promotion starts the gateway
Ports (loopback):
  --primary-port PORT          the primary gateway (default ${DEFAULT_PORTS.primary})
  --standby-port PORT          the standby gateway (default ${DEFAULT_PORTS.standby})
  --status-port PORT           the monitor's status endpoint (default ${DEFAULT_PORTS.status})
Other:
  --logs DIR                   where the logs go, overwritten on each run (default ${defaultLogsDir()})
  --json FILE                  also write the measurements to FILE as JSON
  -h, --help                   this text`;

function number(flag: string, text: string | undefined, fallback: number, integer: boolean, min: number) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    const what = integer ? `an integer >= ${min}` : min > 0 ? 'a positive number' : 'a number >= 0';
    throw new UsageError(`${flag} must be ${what}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function port(flag: string, text: string | undefined, fallback: number): number {
  const value = number(flag, text, fallback, true, 1);
  if (value > 65535) throw new UsageError(`${flag} must be a port number up to 65535, got ${value}`);
  return value;
}

/** Parses argv; undefined means --help was asked for. Throws UsageError on a bad flag. */
export function parseOptions(argv: string[]): DrillOptions | undefined {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return undefined;
  const base = values.seed ? SEED_TIMINGS : LAB_TIMINGS;
  const checkIntervalSeconds = number('--interval', values.interval, base.checkIntervalSeconds, false, 0.01);
  const timings: Timings = {
    checkIntervalSeconds,
    probeTimeoutSeconds: number('--timeout', values.timeout, base.probeTimeoutSeconds, false, 0.01),
    failThreshold: number('--fail-threshold', values['fail-threshold'], base.failThreshold, true, 1),
    recoverThreshold: number(
      '--recover-threshold',
      values['recover-threshold'],
      base.recoverThreshold,
      true,
      1,
    ),
    minActiveSeconds: number('--min-active', values['min-active'], base.minActiveSeconds, false, 0),
    confirmIntervalSeconds: number(
      '--confirm-interval',
      values['confirm-interval'],
      base.confirmIntervalSeconds,
      false,
      0,
    ),
    minOutageSeconds: number('--min-outage', values['min-outage'], base.minOutageSeconds, false, 0),
    // The seed's fixed rule stays fixed; ours keeps the production run lengths at any pace: the
    // default bound scaled by how much faster than the default interval the drill probes.
    falsePromotionDays:
      base.falsePromotionDays === 0
        ? 0
        : scaledFalsePromotionDays(POLICY_DEFAULTS.checkIntervalSeconds / checkIntervalSeconds),
  };
  const ports: Ports = {
    primary: port('--primary-port', values['primary-port'], DEFAULT_PORTS.primary),
    standby: port('--standby-port', values['standby-port'], DEFAULT_PORTS.standby),
    status: port('--status-port', values['status-port'], DEFAULT_PORTS.status),
  };
  const names = Object.keys(ports) as (keyof Ports)[];
  for (const [i, a] of names.entries()) {
    for (const b of names.slice(i + 1)) {
      if (ports[a] === ports[b]) {
        throw new UsageError(
          `${PORT_FLAGS[a]} and ${PORT_FLAGS[b]} are both ${ports[a]}: give them different ports`,
        );
      }
    }
  }
  const standby = values.standby ?? (values.seed ? 'cold' : 'warm');
  if (standby !== 'warm' && standby !== 'cold')
    throw new UsageError(`--standby must be warm or cold, got ${JSON.stringify(standby)}`);
  return {
    timings,
    standbyMode: standby,
    ports,
    logsDir: values.logs ?? defaultLogsDir(),
    seed: values.seed ?? false,
    jsonFile: values.json,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      interval: { type: 'string' },
      timeout: { type: 'string' },
      'fail-threshold': { type: 'string' },
      'recover-threshold': { type: 'string' },
      'min-active': { type: 'string' },
      'confirm-interval': { type: 'string' },
      'min-outage': { type: 'string' },
      seed: { type: 'boolean' },
      standby: { type: 'string' },
      'primary-port': { type: 'string' },
      'standby-port': { type: 'string' },
      'status-port': { type: 'string' },
      logs: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
