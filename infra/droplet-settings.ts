// Fixed facts about the standby droplet that both its user-data and the pushed
// config must agree on. Not stack config: changing one is a code change, reviewed with both sides.

/** The only SSH login (keys only, passwordless sudo); people and the deploy step use it. */
export const ADMIN_USER = 'failover-admin';

/** The standby gateway's port on its tailnet address and on loopback (OpenClaw's default). */
export const STANDBY_GATEWAY_PORT = 18789;

/**
 * SIGTERM-to-SIGKILL deadline of the standby gateway, also the monitor's stop timeout. OpenClaw
 * can take minutes to exit while a channel is unreachable; a demotion should not hang that long,
 * and killing it loses nothing: the workspace is committed after the gateway has stopped.
 */
export const GATEWAY_STOP_TIMEOUT_SECONDS = 60;

/** Cold start is 7–11 s on 2 vCPU; the first start after boot also warms the disk cache. */
export const GATEWAY_START_TIMEOUT_SECONDS = 180;

/** The monitor unit's WatchdogSec: a monitor whose event loop hangs this long is restarted. */
export const MONITOR_WATCHDOG_SECONDS = 60;

/**
 * The longest checkIntervalSeconds the watchdog allows. The monitor pings the watchdog once per
 * control-loop cycle, and a cycle lasts the interval (a probe overrunning it adds at most its
 * timeout): at half the watchdog a healthy monitor keeps a whole cycle of slack and is never killed.
 */
export const MAX_CHECK_INTERVAL_SECONDS = Math.floor(MONITOR_WATCHDOG_SECONDS / 2);

/** Bound of one probe of the primary's /readyz. */
export const PRIMARY_PROBE_TIMEOUT_SECONDS = 2;

/** Bound of the workspace `git pull` on promotion. */
export const WORKSPACE_SYNC_TIMEOUT_SECONDS = 20;

/** DigitalOcean tags of the droplet, for billing and for finding it in the control panel. */
export const DROPLET_TAGS = ['failover-gateway', 'openclaw-standby'];

/**
 * The least droplet memory a warm standby is allowed on: its idle gateway holds 0.92–0.96 GB (up
 * to 1.45 GB after it served), beside the OS, Tailscale and the monitor (docs/platform-facts.md).
 */
export const WARM_STANDBY_MIN_MEMORY_MIB = 2048;

/**
 * The memory a DigitalOcean size slug names (`s-1vcpu-512mb-10gb` → 512, `s-2vcpu-4gb` → 4096,
 * the legacy `1gb` → 1024): the first `<n>mb` or `<n>gb` part. Undefined for slugs that name none
 * (`c-2`); those are all 4 GB or more.
 */
export function slugMemoryMiB(slug: string): number | undefined {
  const match = /(?:^|-)(\d+)(mb|gb)(?=-|$)/.exec(slug);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'gb' ? 1024 : 1);
}
