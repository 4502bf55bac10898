// Pure renderers for the standby droplet: plain values in, strings out. No Pulumi import, no I/O.
//
// Two kinds of output, split by what a change costs:
// - User-data (immutable): renderUserData. It becomes the droplet's user-data, so any change
//   replaces the droplet. Its one secret is the provisioning host key, spent by the deploy's first
//   login (host-key.ts); the tailnet auth key is sent over SSH once per droplet by
//   renderJoinTailnetCommand's command.
// - Pushed (mutable): renderOpenclawConfig, renderGatewayEnv, renderMonitorConfig and the monitor
//   bundle are copied by infra into STAGING_DIR (file names in STAGED_FILES) over SSH as the admin
//   user, then infra runs renderDeployScript's output with `sudo bash` after
//   `cloud-init status --wait`. Changing them never replaces the droplet.

export { type DeployScriptInput, renderDeployScript } from './deploy-script.js';
export {
  type FirstBootInput,
  renderFirstBootScript,
} from './first-boot-script.js';
export {
  ED25519_PUBLIC_KEY,
  HOST_KEY_FILE,
  type HostKeyPair,
  hostKeyCloudConfig,
  renderHostKeyRotation,
  renderHostKeyRotationScript,
} from './host-key.js';
export {
  type JoinTailnetInput,
  renderJoinTailnetCommand,
  renderJoinTailnetScript,
} from './join-tailnet.js';
export {
  type LeaveTailnetInput,
  renderLeaveTailnetCommand,
  renderLeaveTailnetScript,
} from './leave-tailnet.js';
export {
  type MonitorConfigInput,
  type MonitorGatewayInput,
  renderMonitorConfig,
  standbyGateway,
} from './monitor-config.js';
export {
  channelTokenEnv,
  GATEWAY_TOKEN_ENV,
  type GatewayEnvInput,
  type OpenclawConfigInput,
  renderGatewayEnv,
  renderOpenclawConfig,
  telegramBotId,
} from './openclaw-config.js';
export type { ChannelKind, StandbyMode } from './paths.js';
export {
  DROPLET_PATHS,
  GATEWAY_UNIT_NAME,
  MONITOR_UNIT_NAME,
  MONITOR_USER,
  OPENCLAW_USER,
  STAGED_FILES,
  STAGING_DIR,
  WORKSPACE_GROUP,
} from './paths.js';
export {
  type PrimarySideInput,
  renderPrimarySideInstall,
  renderPrimarySideUninstall,
  WORKSPACE_PUSH_UNIT,
} from './primary-side.js';
export {
  DNS_LABEL,
  EXACT_VERSION,
  isCidr,
  isHostname,
  isSingleLine,
  isTailnetAddress,
  LINUX_USER,
  NODE_24_RELEASE,
  NODE_DIST_URL,
  PORT_RANGE,
  SHA256_HEX,
  TAILNET_TAG,
} from './shapes.js';
export { shellQuote } from './shell.js';
export {
  type GatewayUnitInput,
  type MonitorUnitInput,
  renderGatewayUnit,
  renderMonitorUnit,
  renderPolkitRule,
} from './units.js';
export { renderCliWrapper, renderUserData, type UserDataInput } from './user-data.js';
export { isPrimaryPath } from './workspace-push.js';
