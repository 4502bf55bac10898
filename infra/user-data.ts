// The droplet's user-data: everything fixed at creation. Any change to it replaces the droplet,
// so only what must exist before the first SSH login belongs here; the rest is pushed (deploy.ts).
import { renderUserData, type UserDataInput } from '../cloud-init/index.js';
import type { StandbyConfig } from './config.js';
import {
  ADMIN_USER,
  GATEWAY_STOP_TIMEOUT_SECONDS,
  MONITOR_WATCHDOG_SECONDS,
  STANDBY_GATEWAY_PORT,
} from './droplet-settings.js';

function userDataInput(config: StandbyConfig): UserDataInput {
  return {
    hostname: config.tailnet.hostname,
    admin: { name: ADMIN_USER, sshPublicKeys: [config.ssh.publicKey] },
    sshAllowedFrom: config.ssh.allowedCidrs,
    node: {
      version: config.versions.node,
      sha256: config.versions.nodeSha256,
      distUrl: config.versions.nodeDistUrl,
    },
    openclaw: { version: config.versions.openclaw, channel: config.channel.kind },
    gatewayPort: STANDBY_GATEWAY_PORT,
    gatewayStopTimeoutSeconds: GATEWAY_STOP_TIMEOUT_SECONDS,
    monitorWatchdogSeconds: MONITOR_WATCHDOG_SECONDS,
    standbyMode: config.standbyMode,
  };
}

/** The droplet's user-data: no secret in it (the tailnet key is sent over SSH, deploy.ts). */
export function standbyUserData(config: StandbyConfig): string {
  return renderUserData(userDataInput(config));
}
