// The systemd watchdog, on its own timer: WATCHDOG=1 every half period, but only while the
// control loop is alive, i.e. it made progress (a tick) recently for its schedule. So a long
// checkIntervalSeconds never gets a healthy monitor killed, and a loop that hangs still is.
import { ConfigError, type MonitorConfig } from './config.js';
import type { Role } from './core/model.js';
import { GATEWAY_CHECK_SECONDS } from './gateway/manager.js';

/** Event-loop jitter (GC, a busy core) a healthy loop may add to its schedule. */
const LOOP_MARGIN_SECONDS = 1;

/**
 * The longest a healthy control loop goes between two ticks: the wait for the next probe, the
 * probe's timeout and, while active, the gateway check; plus the margin.
 */
export function stallSeconds(config: MonitorConfig, role: Role): number {
  const check = role === 'active' ? GATEWAY_CHECK_SECONDS : 0;
  return config.checkIntervalSeconds + config.primary.timeoutSeconds + check + LOOP_MARGIN_SECONDS;
}

/**
 * Refuses a config whose loop could not be watched: its longest healthy stall must fit in the
 * watchdog period, so that a hung loop is restarted within two periods of its last tick.
 */
export function checkWatchdogFits(config: MonitorConfig, watchdogSeconds: number | undefined): void {
  if (watchdogSeconds === undefined) return;
  const stall = stallSeconds(config, 'active');
  if (stall <= watchdogSeconds) return;
  const most = watchdogSeconds - (stall - config.checkIntervalSeconds);
  throw new ConfigError(
    `checkIntervalSeconds: ${config.checkIntervalSeconds} s does not fit the systemd watchdog ` +
      `(WatchdogSec=${watchdogSeconds}): with primary.timeoutSeconds and a gateway check it may ` +
      `go ${stall} s between two ticks; ` +
      (most > 0 ? `at most ${most} s fits` : 'raise WatchdogSec'),
  );
}

/** Pings every half watchdog period while `alive()`; returns the function that stops it. */
export function startWatchdog(periodSeconds: number, alive: () => boolean, ping: () => void): () => void {
  const timer = setInterval(
    () => {
      if (alive()) ping();
    },
    (periodSeconds * 1000) / 2,
  );
  timer.unref();
  return () => clearInterval(timer);
}
