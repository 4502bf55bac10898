// A config reload (SIGHUP): which keys of a new config apply in place and which only at a
// restart. The rule is all or nothing, so the config in force is always one whole file: a new
// file that changes a restart-only key is refused as a whole (nothing of it applies) until the
// monitor restarts. The daemon keeps its state, role and counters either way; a reload changes
// only its policy and the adapters built from the config.
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, type MonitorConfig } from './config.js';
import type { Role } from './core/model.js';
import type { Logger } from './log.js';
import type { Notifier } from './notify.js';
import type { PrimaryGuard } from './primary-guard.js';
import type { ProbeResult } from './probe.js';
import { checkWatchdogFits } from './watchdog.js';
import type { WorkspaceSync } from './workspace.js';

/** What a reload replaces: the config and the adapters built from its in-place keys. */
export interface Reloadable {
  config: MonitorConfig;
  probe: () => Promise<ProbeResult>;
  notifier: Notifier;
  workspace?: WorkspaceSync;
  guard?: PrimaryGuard;
}

/**
 * Keys that only a restart applies.
 * - gateway: its manager owns the gateway that may be running or starting right now; a second
 *   manager (another unit, command or kind) would lose track of it mid-start or mid-stop.
 * - stateFile: the state, and the process gateway's pid file beside it, live where it says.
 * - status: the endpoint's socket is bound to status.listen.
 */
export const RESTART_ONLY_KEYS = [
  'gateway',
  'stateFile',
  'status',
] as const satisfies (keyof MonitorConfig)[];

/** What a new config file means for a monitor running the old one. */
export type ReloadPlan =
  | { kind: 'in-place'; changed: string[] }
  | { kind: 'restart'; changed: string[]; restartOnly: string[] };

/** Top-level keys whose value differs between two configs, in the schema's order. */
function changedKeys(from: MonitorConfig, to: MonitorConfig): string[] {
  const keys = new Set([...Object.keys(from), ...Object.keys(to)] as (keyof MonitorConfig)[]);
  return [...keys].filter((k) => !isDeepStrictEqual(from[k], to[k]));
}

export function planReload(from: MonitorConfig, to: MonitorConfig): ReloadPlan {
  // No change at all is in place too: the adapters are built again, so a new primary token file
  // is read.
  const changed = changedKeys(from, to);
  const restartOnly = changed.filter((k) => (RESTART_ONLY_KEYS as readonly string[]).includes(k));
  return restartOnly.length > 0 ? { kind: 'restart', changed, restartOnly } : { kind: 'in-place', changed };
}

/**
 * Reads the config file again (`load`) and returns what replaces the running adapters, or
 * undefined when the file is refused: unreadable, invalid, not fitting the unit's watchdog, or
 * changing a restart-only key. Either way one event says so.
 */
export function inPlaceReload(
  running: MonitorConfig,
  load: () => Reloadable,
  watchdogSeconds: number | undefined,
  log: Logger,
  role: Role | undefined,
): Reloadable | undefined {
  let next: Reloadable;
  try {
    next = load();
    checkWatchdogFits(next.config, watchdogSeconds);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // ConfigError messages name keys and what was expected, never a value (config.ts).
    log.error({ event: 'config-reload-refused', error: err.message, role });
    return undefined;
  }
  const plan = planReload(running, next.config);
  if (plan.kind === 'restart') {
    log.error({
      event: 'config-reload-refused',
      restartNeeded: plan.restartOnly,
      error: `${plan.restartOnly.join(', ')} changed, which only a restart applies: nothing of the new file is in force until the monitor restarts`,
      role,
    });
    return undefined;
  }
  log.info({ event: 'config-reloaded', changed: plan.changed, role });
  return next;
}
