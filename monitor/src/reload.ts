// A config reload (SIGHUP): which keys of a new config apply in place and which wait for a
// restart. The daemon keeps its state, role and counters either way; only its policy and the
// adapters built from the config change.
import { isDeepStrictEqual } from 'node:util';
import type { MonitorConfig } from './config.js';
import type { Notifier } from './notify.js';
import type { ProbeResult } from './probe.js';
import type { WorkspaceSync } from './workspace.js';

/** What a reload replaces: the config and the adapters built from its in-place keys. */
export interface Reloadable {
  config: MonitorConfig;
  probe: () => Promise<ProbeResult>;
  notifier: Notifier;
  workspace?: WorkspaceSync;
}

/**
 * Keys that only a restart applies; the old value stays in force until then.
 * - gateway: its manager owns the gateway that may be running or starting right now; a second
 *   manager (another unit, command or kind) would lose track of it mid-start or mid-stop.
 * - stateFile: the state, and the process gateway's pid file beside it, live where it says.
 * - status: the endpoint's socket is bound to status.listen.
 */
const RESTART_ONLY = ['gateway', 'stateFile', 'status'] as const satisfies (keyof MonitorConfig)[];

/** Top-level keys whose value differs between two configs. */
function changedKeys(from: MonitorConfig, to: MonitorConfig): (keyof MonitorConfig)[] {
  const keys = new Set([...Object.keys(from), ...Object.keys(to)] as (keyof MonitorConfig)[]);
  return [...keys].filter((k) => !isDeepStrictEqual(from[k], to[k]));
}

/** The config in force after a reload: the new one, restart-only keys kept from the old. */
export function reloadedConfig(
  from: MonitorConfig,
  to: MonitorConfig,
): { config: MonitorConfig; applied: string[]; restartNeeded: string[] } {
  const changed = changedKeys(from, to);
  const restartOnly: readonly string[] = RESTART_ONLY;
  const config = { ...to };
  for (const key of RESTART_ONLY) Object.assign(config, { [key]: from[key] });
  return {
    config,
    applied: changed.filter((k) => !restartOnly.includes(k)),
    restartNeeded: changed.filter((k) => restartOnly.includes(k)),
  };
}
