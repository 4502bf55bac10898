// The failover monitor's JSON config. Its shape and its defaults are the monitor's own schema
// (monitor/src/config.ts): the input type comes from there through a type-only import, so the
// renderers take no runtime dependency on the monitor package, and a key left out gets the
// monitor's default. Validating values is the monitor's job (check-config, exit 78).
import type { MonitorConfigInput } from '../monitor/src/config.js';
import { type ChannelKind, DROPLET_PATHS, GATEWAY_UNIT_NAME, type StandbyMode } from './paths.js';

export type { MonitorConfigInput };

/** How the monitor runs the standby gateway: systemd on the droplet, a process in the local lab. */
export type MonitorGatewayInput = MonitorConfigInput['gateway'];

/** The droplet's gateway block: openclaw.service, probed on its loopback listener. */
export function standbyGateway(opts: {
  gatewayPort: number;
  startTimeoutSeconds: number;
  stopTimeoutSeconds: number;
  standbyMode: StandbyMode;
  channel: ChannelKind;
}): Extract<MonitorGatewayInput, { manager: 'systemd' }> {
  return {
    manager: 'systemd',
    unit: GATEWAY_UNIT_NAME,
    readyUrl: `http://127.0.0.1:${opts.gatewayPort}/readyz`,
    startTimeoutSeconds: opts.startTimeoutSeconds,
    stopTimeoutSeconds: opts.stopTimeoutSeconds,
    standbyMode: opts.standbyMode,
    ...(opts.standbyMode === 'warm'
      ? {
          warm: {
            channel: opts.channel,
            switchFile: DROPLET_PATHS.channelSwitch,
            tokenFile: DROPLET_PATHS.standbyTokenFile,
          },
        }
      : {}),
  };
}

/** The monitor's config.json: the input as it is (a key set to undefined is left out). */
export function renderMonitorConfig(input: MonitorConfigInput): string {
  return `${JSON.stringify(input, null, 2)}\n`;
}
