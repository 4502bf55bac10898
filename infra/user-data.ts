// The droplet's user-data: everything fixed at creation. Any change to it replaces the droplet,
// so only what must exist before the first SSH login belongs here; the rest is pushed (deploy.ts).
import * as pulumi from '@pulumi/pulumi';
import { type HostKeyPair, renderUserData, type UserDataInput } from '../cloud-init/index.js';
import type { StandbyConfig } from './config.js';
import {
  ADMIN_USER,
  GATEWAY_STOP_TIMEOUT_SECONDS,
  MONITOR_WATCHDOG_SECONDS,
  STANDBY_GATEWAY_PORT,
} from './droplet-settings.js';
import type { ProvisioningHostKey } from './host-key.js';

function userDataInput(config: StandbyConfig, provisioningHostKey: HostKeyPair): UserDataInput {
  return {
    hostname: config.tailnet.hostname,
    admin: { name: ADMIN_USER, sshPublicKeys: [config.ssh.publicKey] },
    provisioningHostKey,
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

/**
 * The droplet's user-data. Its one secret is the provisioning host key, spent at the first login
 * (the tailnet key is sent over SSH, deploy.ts); Pulumi keeps the whole document secret for it.
 */
export function standbyUserData(config: StandbyConfig, hostKey: ProvisioningHostKey): pulumi.Output<string> {
  return pulumi
    .all([hostKey.privateKey, hostKey.publicKey])
    .apply(([privateKey, publicKey]) => renderUserData(userDataInput(config, { privateKey, publicKey })));
}
