// The monitor's config in the drill: the droplet's renderer with a `process` gateway block instead
// of systemd, and for a warm standby the same warm block the droplet's monitor gets (the switch
// file openclaw.json includes, the gateway token file its admin RPC checks).
import { join } from 'node:path';
import { renderMonitorConfig } from '../../cloud-init/index.js';
import { policyInput } from '../../lab/monitor-config.js';
import type { MonitorConfigInput } from '../../monitor/src/config.js';
import type { DrillOptions } from './options.js';

/** Generous against the measured 20–27 s cold start with a channel, for a loaded laptop. */
export const STANDBY_START_TIMEOUT_SECONDS = 120;
/** OpenClaw exits a few seconds after SIGTERM (its channel's long poll ends first). */
export const STANDBY_STOP_TIMEOUT_SECONDS = 15;

/** The monitor's files in the lab, in one folder (the process manager's pid file goes there too). */
export function monitorFiles(labDir: string) {
  const dir = join(labDir, 'monitor');
  return {
    dir,
    config: join(dir, 'config.json'),
    state: join(dir, 'state.json'),
    /** The process manager's record of the gateway it started. */
    gatewayPid: join(dir, 'gateway.pid'),
    /** Warm standby: outside the gateway's config folder, as on the droplet. */
    channelSwitch: join(dir, 'switch', 'channel.json'),
    gatewayToken: join(dir, 'gateway-token'),
  };
}

/** The standby gateway as the monitor's process manager runs it: command, env, log. */
export interface StandbyGateway {
  command: string[];
  env: Record<string, string>;
  logFile: string;
}

/**
 * The gateway block: how the monitor runs the standby gateway (warm: switches its channel). `mode`
 * cold is also how the process itself is run, the warm manager's underneath.
 */
export function gatewayBlock(
  options: DrillOptions,
  labDir: string,
  standby: StandbyGateway,
  mode = options.standbyMode,
): MonitorConfigInput['gateway'] {
  const files = monitorFiles(labDir);
  return {
    manager: 'process',
    ...standby,
    readyUrl: `http://127.0.0.1:${options.ports.standby}/readyz`,
    startTimeoutSeconds: STANDBY_START_TIMEOUT_SECONDS,
    stopTimeoutSeconds: STANDBY_STOP_TIMEOUT_SECONDS,
    standbyMode: mode,
    ...(mode === 'warm'
      ? { warm: { channel: 'telegram', switchFile: files.channelSwitch, tokenFile: files.gatewayToken } }
      : {}),
  };
}

export function drillMonitorConfig(options: DrillOptions, labDir: string, standby: StandbyGateway): string {
  const { ports, timings } = options;
  return renderMonitorConfig({
    primary: { url: `http://127.0.0.1:${ports.primary}`, timeoutSeconds: timings.probeTimeoutSeconds },
    ...policyInput(timings),
    promoteOn: 'down',
    gateway: gatewayBlock(options, labDir, standby),
    stateFile: monitorFiles(labDir).state,
    status: { listen: `127.0.0.1:${ports.status}` },
  });
}
