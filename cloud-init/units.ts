// systemd units of the standby and the polkit rule that lets the monitor drive the gateway unit.
import {
  DROPLET_PATHS,
  GATEWAY_UNIT_NAME,
  MONITOR_UNIT_NAME,
  MONITOR_USER,
  OPENCLAW_USER,
  type StandbyMode,
  WORKSPACE_GROUP,
} from './paths.js';

export interface GatewayUnitInput {
  gatewayPort: number;
  /**
   * TimeoutStopSec: SIGTERM, then SIGKILL after this many seconds. OpenClaw may take minutes to
   * exit when a channel is unreachable; the monitor's `systemctl stop` waits for this deadline,
   * so the monitor config's gateway.stopTimeoutSeconds should not be shorter.
   */
  stopTimeoutSeconds: number;
  /** warm: the unit is enabled at boot and runs all the time, its channel switched by the monitor. */
  standbyMode: StandbyMode;
}

export interface MonitorUnitInput {
  /** WatchdogSec: the monitor pings at half this interval; a hung event loop gets restarted. */
  watchdogSeconds: number;
  /** warm: the monitor also writes the channel switch. */
  standbyMode: StandbyMode;
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer`);
  return value;
}

/**
 * Sandboxing shared by both services. Deliberately absent: MemoryDenyWriteExecute (V8's JIT
 * needs writable+executable pages), IPAddressDeny (model APIs, chat channels, webhooks and the
 * git remote are on the internet) and PrivateNetwork (the tailnet). PrivateUsers= and
 * ProcSubset= are left out too: the exposure targets are met without them, and their effect on
 * the shared workspace group and on Node's /proc reads cannot be tried without systemd as PID 1.
 */
const COMMON_SANDBOX = [
  'NoNewPrivileges=yes',
  'CapabilityBoundingSet=',
  'AmbientCapabilities=',
  'ProtectSystem=strict',
  'ProtectHome=yes',
  'PrivateTmp=yes',
  'PrivateMounts=yes',
  'PrivateDevices=yes',
  'ProtectKernelTunables=yes',
  'ProtectKernelModules=yes',
  'ProtectKernelLogs=yes',
  'ProtectControlGroups=yes',
  'ProtectClock=yes',
  'ProtectHostname=yes',
  'ProtectProc=invisible',
  'RestrictNamespaces=yes',
  'RestrictRealtime=yes',
  'LockPersonality=yes',
  'RemoveIPC=yes',
  'KeyringMode=private',
  'SystemCallArchitectures=native',
  'SystemCallFilter=@system-service',
  'SystemCallFilter=~@privileged',
  // A filtered call fails with EPERM instead of killing the process with SIGSYS.
  'SystemCallErrorNumber=EPERM',
];

/**
 * openclaw.service: the standby gateway. Cold: no [Install] section, only the monitor starts it.
 * Warm: enabled at boot (idle until the deploy step pushed its config and secrets) and running
 * all the time; its channel is off until the monitor turns the switch file on.
 */
export function renderGatewayUnit(input: GatewayUnitInput): string {
  const port = positiveInteger('gatewayPort', input.gatewayPort);
  const stopTimeout = positiveInteger('stopTimeoutSeconds', input.stopTimeoutSeconds);
  const p = DROPLET_PATHS;
  const warm = input.standbyMode === 'warm';
  const role = warm
    ? `warm failover standby, its channel switched by ${MONITOR_UNIT_NAME}`
    : `failover standby, started and stopped by ${MONITOR_UNIT_NAME}`;
  const warmUnit = `ConditionPathExists=${p.openclawConfig}
ConditionPathExists=${p.gatewayEnv}
`;
  // The switch file lies outside the config's folder: includes elsewhere must be admitted.
  const warmEnv = `Environment=OPENCLAW_INCLUDE_ROOTS=${p.channelSwitchDir}
`;
  const install = `
[Install]
WantedBy=multi-user.target
`;
  return `[Unit]
Description=OpenClaw gateway (${role})
# Without a tailnet address, bind "tailnet" silently falls back to loopback only.
After=network-online.target tailscaled.service
Wants=network-online.target
${warm ? warmUnit : ''}
[Service]
Type=simple
User=${OPENCLAW_USER}
Group=${OPENCLAW_USER}
SupplementaryGroups=${WORKSPACE_GROUP}
WorkingDirectory=${p.openclawHome}
Environment=HOME=${p.openclawHome}
Environment=NODE_ENV=production
Environment=OPENCLAW_STATE_DIR=${p.openclawStateDir}
Environment=OPENCLAW_CONFIG_PATH=${p.openclawConfig}
# This unit is managed here, not by OpenClaw's own service installer or doctor.
Environment=OPENCLAW_SERVICE_REPAIR_POLICY=external
${warm ? warmEnv : ''}EnvironmentFile=${p.gatewayEnv}
ExecStart=${p.nodeBin} ${p.openclawEntry} gateway run --port ${port}
Restart=on-failure
RestartSec=5
# Exit 78 is a config error: restarting cannot fix it.
RestartPreventExitStatus=78
# SIGTERM to the gateway alone so it can shut its children down, SIGKILL to all at the deadline.
KillMode=mixed
TimeoutStopSec=${stopTimeout}
# Group-writable files: the monitor user commits and pulls in the shared workspace.
UMask=0007
ReadWritePaths=${p.openclawHome} -${p.workspace}
# Node enumerates interfaces (netlink) to find the tailnet address.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# Not RestrictSUIDSGID=yes: under it OpenClaw 2026.9.6's startup state migration cannot take its
# own state lock and the gateway exits 78 on every start (measured in the droplet lab, see
# docs/platform-facts.md). A setuid file this user made still gains nothing here: NoNewPrivileges
# and the empty capability set hold for the gateway, and the monitor never executes workspace files.
${COMMON_SANDBOX.join('\n')}
${warm ? install : ''}`;
}

/**
 * openclaw-failover.service. Git runs as the monitor user: it owns the workspace clone and is
 * the only holder of the deploy key (root:openclaw-failover 0640); the gateway user edits the
 * same checkout through the shared group. Running git as `openclaw` instead would need sudo or
 * setuid, which NoNewPrivileges (and the point of this unit) rules out.
 */
export function renderMonitorUnit(input: MonitorUnitInput): string {
  const watchdog = positiveInteger('watchdogSeconds', input.watchdogSeconds);
  const p = DROPLET_PATHS;
  return `[Unit]
Description=OpenClaw failover monitor (promotes ${GATEWAY_UNIT_NAME} when the primary is down)
After=network-online.target tailscaled.service
Wants=network-online.target
# Enabled at boot, but idle until the deploy step has pushed its config and bundle.
ConditionPathExists=${p.monitorConfig}
ConditionPathExists=${p.monitorBundle}

[Service]
Type=notify
# READY=1 and WATCHDOG=1 come from the systemd-notify helper, a child of the main process.
NotifyAccess=all
WatchdogSec=${watchdog}
User=${MONITOR_USER}
Group=${MONITOR_USER}
SupplementaryGroups=${WORKSPACE_GROUP}
Environment=HOME=${p.monitorStateDir}
Environment=GIT_CONFIG_GLOBAL=${p.monitorGitConfig}
ExecStart=${p.nodeBin} ${p.monitorBundle} run --config ${p.monitorConfig}
# systemctl reload: the file is checked first, so a bad one fails the reload visibly while the
# monitor keeps the config in force; then SIGHUP, which the monitor applies in place keeping its
# state and counters (a change to a restart-only key is refused there: config-reload-refused).
ExecReload=${p.nodeBin} ${p.monitorBundle} check-config ${p.monitorConfig} --watchdog-seconds ${watchdog}
ExecReload=/bin/kill -HUP $MAINPID
Restart=always
RestartSec=5
# Exit 78 (EX_CONFIG) is a bad config: restarting cannot fix it.
RestartPreventExitStatus=78
StateDirectory=openclaw-failover
StateDirectoryMode=0700
UMask=0007
ReadWritePaths=-${p.workspace}${input.standbyMode === 'warm' ? ` ${p.channelSwitchDir}` : ''}
# systemctl reaches systemd over D-Bus (AF_UNIX); glibc's resolver asks netlink for addresses.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
${COMMON_SANDBOX.join('\n')}
RestrictSUIDSGID=yes
# After the allow-list above (the first SystemCallFilter= line decides allow vs deny): priorities
# and resource limits are not the monitor's business. The gateway's agent tools may use nice or
# ulimit, so only this unit denies them.
SystemCallFilter=~@resources

[Install]
WantedBy=multi-user.target
`;
}

/**
 * Polkit lets the monitor user start, stop and kill the gateway unit, and nothing else: kill is
 * the monitor's escalation when a stop overruns its deadline. `systemctl is-active` needs no
 * authorization.
 */
export function renderPolkitRule(): string {
  return `// ${MONITOR_USER} may start, stop and kill ${GATEWAY_UNIT_NAME} and no other unit.
polkit.addRule(function (action, subject) {
  if (action.id === "org.freedesktop.systemd1.manage-units" &&
      subject.user === "${MONITOR_USER}" &&
      action.lookup("unit") === "${GATEWAY_UNIT_NAME}") {
    var verb = action.lookup("verb");
    if (verb === "start" || verb === "stop" || verb === "kill") {
      return polkit.Result.YES;
    }
  }
  return polkit.Result.NOT_HANDLED;
});
`;
}
