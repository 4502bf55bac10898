// Every on-droplet name and path, in one place: user-data, units, configs and the deploy script
// must agree on them, and infra needs a few (staging dir, file names, unit names).

/** The standby's one chat channel; the primary must not own it (that is the split-brain guard). */
export type ChannelKind = 'discord' | 'telegram';

/** cold: the gateway is started on promotion; warm: it runs all the time, its channel switched on on promotion. */
export type StandbyMode = 'cold' | 'warm';

/** Runs the gateway. A system user without a login shell or sudo. */
export const OPENCLAW_USER = 'openclaw';
/** Runs the failover monitor; may start/stop only the gateway unit (polkit rule). */
export const MONITOR_USER = 'openclaw-failover';
/**
 * Shared by both service users: the workspace is a git checkout the monitor pulls and pushes and
 * the gateway's agent edits, so both need write access (setgid directories, UMask=0007).
 */
export const WORKSPACE_GROUP = 'openclaw-workspace';

export const GATEWAY_UNIT_NAME = 'openclaw.service';
export const MONITOR_UNIT_NAME = 'openclaw-failover.service';

export const DROPLET_PATHS = {
  /** The official Node tarball, unpacked; npm's global prefix, so OpenClaw lands below it. */
  nodeDir: '/opt/node',
  nodeBin: '/opt/node/bin/node',
  npmBin: '/opt/node/bin/npm',
  openclawEntry: '/opt/node/lib/node_modules/openclaw/openclaw.mjs',

  /** The gateway user's home. Its state dir and config sit where OpenClaw looks by default, so
   *  `sudo -u openclaw openclaw …` finds them without extra environment. */
  openclawHome: '/var/lib/openclaw',
  openclawStateDir: '/var/lib/openclaw/.openclaw',
  openclawConfig: '/var/lib/openclaw/.openclaw/openclaw.json',
  /** Outside the gateway's 0700 state dir so the monitor user can reach it. */
  workspace: '/srv/openclaw-workspace',
  gatewayEnvDir: '/etc/openclaw',
  gatewayEnv: '/etc/openclaw/gateway.env',
  /** Warm standby: the monitor's folder (setgid, group openclaw) with the channel switch the
   *  gateway's openclaw.json includes; the gateway unit admits it with OPENCLAW_INCLUDE_ROOTS. */
  channelSwitchDir: '/var/lib/openclaw-failover-switch',
  channelSwitch: '/var/lib/openclaw-failover-switch/channel.json',

  monitorConfigDir: '/etc/openclaw-failover',
  monitorConfig: '/etc/openclaw-failover/config.json',
  primaryTokenFile: '/etc/openclaw-failover/primary-token',
  /** Telegram: the standby's bot token, with which the monitor DMs the owners (notify.ts). */
  ownerDmTokenFile: '/etc/openclaw-failover/owner-dm-bot-token',
  /** Warm standby: the standby gateway's own token, the bearer of its admin RPC (channels.status). */
  standbyTokenFile: '/etc/openclaw-failover/standby-gateway-token',
  workspaceDeployKey: '/etc/openclaw-failover/workspace-deploy-key',
  /** GIT_CONFIG_GLOBAL of the monitor: ssh command with the deploy key, safe.directory, author. */
  monitorGitConfig: '/etc/openclaw-failover/gitconfig',
  monitorStateDir: '/var/lib/openclaw-failover',
  monitorStateFile: '/var/lib/openclaw-failover/state.json',
  /** Written by ssh's StrictHostKeyChecking=accept-new on the first clone. */
  monitorKnownHosts: '/var/lib/openclaw-failover/known_hosts',
  monitorBundleDir: '/opt/openclaw-failover',
  monitorBundle: '/opt/openclaw-failover/openclaw-failover.mjs',
  /** `openclaw-failover status|hold|release|drill` for the admin. */
  monitorCli: '/usr/local/bin/openclaw-failover',

  polkitRule: '/etc/polkit-1/rules.d/50-openclaw-failover.rules',
  /** Sorts before cloud-init's 50-cloud-init.conf: sshd keeps the first value it reads. */
  sshdDropIn: '/etc/ssh/sshd_config.d/10-failover-hardening.conf',
  fail2banJail: '/etc/fail2ban/jail.d/sshd-systemd.local',
  autoUpgrades: '/etc/apt/apt.conf.d/20auto-upgrades',
  tailscaleKeyring: '/usr/share/keyrings/tailscale-archive-keyring.gpg',
  tailscaleAptSource: '/etc/apt/sources.list.d/tailscale.list',
  /** On /run (tmpfs): the spent auth key does not survive a reboot; the first-boot script deletes it. */
  firstBootScript: '/usr/local/sbin/failover-first-boot',
  /** Root-owned home of the first-boot marker and of STAGING_DIR. */
  provisioningDir: '/var/lib/failover-gateway',
  /** Written last by the first-boot script; the deploy script refuses to run without it. */
  firstBootMarker: '/var/lib/failover-gateway/first-boot-complete',
  /** The deploy script's restart or reload of the monitor, decided and not yet done. */
  monitorPendingAction: '/var/lib/failover-gateway/monitor-pending-action',
  metadataGuardRules: '/etc/failover-gateway/metadata-guard.nft',
} as const;

/** Owned by the admin user (mode 0700); infra copies the pushed files here before deploying. */
export const STAGING_DIR = '/var/lib/failover-gateway/staging';

/** File names inside STAGING_DIR. The deploy script installs each and then deletes it; infra
 *  stages the monitor bundle only when it changed. */
export const STAGED_FILES = {
  openclawConfig: 'openclaw.json',
  gatewayEnv: 'gateway.env',
  monitorConfig: 'monitor.json',
  monitorBundle: 'openclaw-failover.mjs',
  /** Only when the primary gateway needs a bearer token for /readyz. */
  primaryToken: 'primary-token',
  /** Only in warm standby mode. */
  standbyToken: 'standby-gateway-token',
  /** Only when the standby's bot DMs its owners (a telegram channel with ownerNotifications). */
  ownerDmToken: 'owner-dm-bot-token',
  /** Only when a workspace repository is configured. */
  workspaceDeployKey: 'workspace-deploy-key',
} as const;
