// The Pulumi program: reads the stack config, then wires the standby's parts together.
import * as pulumi from '@pulumi/pulumi';
import { loadConfig } from './config.js';
import { StandbyDeployment } from './deploy.js';
import { ADMIN_USER, DROPLET_TAGS } from './droplet-settings.js';
import { provisioningHostKey } from './host-key.js';
import { PrimarySide } from './primary-side.js';
import { pushedFiles } from './pushed-files.js';
import { StandbyDroplet } from './standby.js';
import { standbyAuthKey, standbyDeviceTags } from './tailnet.js';
import { standbyUserData } from './user-data.js';

const config = loadConfig();
const name = config.tailnet.hostname;
const hostKey = provisioningHostKey(`${name}-provisioning-host-key`);

const standby = new StandbyDroplet(name, {
  region: config.digitalocean.region,
  size: config.digitalocean.dropletSize,
  image: config.digitalocean.image,
  sshPublicKey: config.ssh.publicKey,
  sshAllowedCidrs: config.ssh.allowedCidrs,
  extraOutboundTcpPorts: [
    ...(config.workspace === undefined ? [] : [config.workspace.sshPort]),
    ...config.monitor.witnesses.map((w) => Number(w.slice(w.lastIndexOf(':') + 1))),
  ],
  userData: standbyUserData(config, hostKey),
  tags: DROPLET_TAGS,
  projectName: config.digitalocean.project,
});

const authKey = standbyAuthKey(`${name}-auth-key`, {
  tags: config.tailnet.tags,
  dropletId: standby.dropletId,
});

const pushed = pushedFiles(config);
const deployment = new StandbyDeployment(`${name}-deploy`, {
  host: standby.publicIp,
  provisioningHostKey: hostKey.publicKey,
  dropletId: standby.dropletId,
  privateKey: config.ssh.privateKey,
  tailnet: { authKey: authKey.key, hostname: name, tags: config.tailnet.tags },
  files: pushed.files,
  deployScript: pushed.deployScript,
});

if (config.primarySide !== undefined) {
  new PrimarySide(`${name}-primary-side`, {
    ...config.primarySide,
    standbyBotId: config.channel.botId,
  });
}

standbyDeviceTags(`${name}-device-tags`, { nodeId: deployment.tailnetNodeId, tags: config.tailnet.tags });

export const dropletName = standby.dropletName;
export const publicIp = standby.publicIp;
export const tailnetHostname = name;
export const sshCommand = pulumi.interpolate`ssh ${ADMIN_USER}@${standby.publicIp}`;
/** The droplet's own host key as a known_hosts line: append it to ~/.ssh/known_hosts before the first `ssh`. */
export const sshKnownHostsLine = pulumi.interpolate`${standby.publicIp} ${deployment.hostKey}`;
export const statusCommand = 'openclaw-failover status';
