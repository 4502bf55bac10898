// The monitor's defaults, each written once. The config schema (config.ts) applies them to a key
// left out, the CLI and the status endpoint to an argument left out; renderers and the lab leave
// a key out to get them, and tests read them from here.
import type { Policy } from './core/model.js';

/** The decision thresholds of a config file that sets none. */
export const POLICY_DEFAULTS = {
  checkIntervalSeconds: 5,
  failThreshold: 3,
  recoverThreshold: 3,
  minActiveSeconds: 120,
  flapWindowSeconds: 3600,
  promoteOn: 'down',
  falsePromotionDays: 365,
  degradedGraceSeconds: 300,
  confirmIntervalSeconds: 1,
  minOutageSeconds: 8,
} as const satisfies Policy;

/** The loopback status endpoint, also where the operator verbs look without --listen or --config. */
export const DEFAULT_STATUS_LISTEN = '127.0.0.1:18790';

/** How long a drill keeps the standby serving when no --seconds is given. */
export const DEFAULT_DRILL_SECONDS = 60;

/** Per-key timeouts of the config file, in seconds. */
export const TIMEOUT_DEFAULTS = {
  primarySeconds: 2,
  gatewayStartSeconds: 180,
  gatewayStopSeconds: 30,
  workspaceSeconds: 20,
  notifySeconds: 5,
} as const;

/** How the standby gateway waits: cold (started on promotion), the mode of a config without the key. */
export const GATEWAY_DEFAULTS = { standbyMode: 'cold' } as const;

/** How often a standby fetches the workspace: a promotion with the remote down starts at most this far behind it. */
export const WORKSPACE_FETCH_SECONDS = 60;

/**
 * What the standby's bot DMs its owners about by default: that it serves, that it stopped, and
 * what needs a person; not every step in between.
 */
export const OWNER_DM_EVENTS = [
  'active',
  'standby',
  'start-failed',
  'gateway-died',
  'sync-failed',
  'sync-diverged',
  'duplicate-bot',
  'credential-failing',
] as const;

/** Telegram's Bot API, where a telegram notify target sends unless it names another root. */
export const TELEGRAM_API_ROOT = 'https://api.telegram.org';
