// The deploy step infra runs over SSH (as the admin user, through `sudo bash`) after
// `cloud-init status --wait`, every time a pushed file changes. It installs what infra staged in
// STAGING_DIR (the monitor bundle only when it changed), clones the workspace once, and then does
// the least the monitor needs: a restart when its bundle changed, a key only a restart applies
// changed (the monitor's own `reload-plan` says which) or it is not running; `systemctl reload`
// (SIGHUP, state and failure counts kept) when only its config or primary token changed; else
// nothing. A restart or reload decided is written down first, so a run cut short after the
// install still does it the next time. It never stops or restarts the gateway: a promoted
// standby keeps serving. (OpenClaw reloads a changed openclaw.json by itself; a changed
// gateway.env takes effect at the gateway's next start.) A warm standby's gateway is started if
// it is not running yet (the first deploy: until then it has no config), and restarted for new
// secrets while its channel is off (it is not serving then).
import {
  STAGED_FILES as F,
  GATEWAY_UNIT_NAME,
  MONITOR_UNIT_NAME,
  MONITOR_USER,
  OPENCLAW_USER,
  DROPLET_PATHS as P,
  STAGING_DIR,
  type StandbyMode,
  WORKSPACE_GROUP,
} from './paths.js';
import { assertSingleLine, shellQuote as q, shellWords } from './shell.js';

export interface DeployScriptInput {
  /** The monitor unit's WatchdogSec: the new monitor config is checked against it before install. */
  monitorWatchdogSeconds: number;
  /** True when infra stages STAGED_FILES.primaryToken (the primary gateway wants a bearer). */
  primaryToken: boolean;
  /** True when infra stages STAGED_FILES.ownerDmToken (the monitor DMs the owners through the bot). */
  ownerDmToken: boolean;
  /** warm: infra stages STAGED_FILES.standbyToken, and the gateway runs from the first deploy on. */
  standbyMode: StandbyMode;
  /** The agent workspace repository; infra then stages STAGED_FILES.workspaceDeployKey. */
  workspace?: {
    /** An SSH git URL, e.g. `git@github.com:me/agent-workspace.git`. */
    gitUrl: string;
    /** Branch to clone; the remote's default branch when omitted. */
    branch?: string;
    /** Author of the commits the monitor pushes back after a demotion. */
    author: { name: string; email: string };
  };
}

/**
 * Git runs as the monitor user with this global config (the unit sets GIT_CONFIG_GLOBAL): the
 * deploy key for ssh, accept-new host keys into the monitor's state dir, and safe.directory
 * because the gateway user also owns files in the checkout.
 */
function gitConfigCommands(author: { name: string; email: string }): string {
  const ssh = [
    'ssh',
    `-i ${P.workspaceDeployKey}`,
    '-o IdentitiesOnly=yes',
    '-o BatchMode=yes',
    '-o ConnectTimeout=10',
    '-o StrictHostKeyChecking=accept-new',
    `-o UserKnownHostsFile=${P.monitorKnownHosts}`,
  ].join(' ');
  const settings: [string, string][] = [
    ['core.sshCommand', ssh],
    ['safe.directory', P.workspace],
    ['user.name', author.name],
    ['user.email', author.email],
  ];
  return settings.map(([key, value]) => `git config --file "$gitconfig" ${key} ${q(value)}`).join('\n');
}

// The gateway's agent workspace: it must exist whether or not a repository syncs it (without it
// OpenClaw answers no message). setgid keeps the shared group on everything either user creates.
const localWorkspace = `install -d -m 2770 -o ${MONITOR_USER} -g ${WORKSPACE_GROUP} ${P.workspace}`;

function workspaceSection(workspace: NonNullable<DeployScriptInput['workspace']>): string {
  assertSingleLine('workspace.gitUrl', workspace.gitUrl);
  assertSingleLine('workspace.author.name', workspace.author.name);
  assertSingleLine('workspace.author.email', workspace.author.email);
  const branch = workspace.branch === undefined ? '' : `--branch ${q(workspace.branch)} `;
  const asMonitor = `runuser -u ${MONITOR_USER} -- env ${shellWords([`HOME=${P.monitorStateDir}`, `GIT_CONFIG_GLOBAL=${P.monitorGitConfig}`])}`;
  return `log "workspace: deploy key, git config, first clone"
install -m 0640 -o root -g ${MONITOR_USER} "$staging/${F.workspaceDeployKey}" ${P.workspaceDeployKey}
gitconfig=$(mktemp)
${gitConfigCommands(workspace.author)}
install -m 0644 -o root -g root "$gitconfig" ${P.monitorGitConfig}
rm -f "$gitconfig"
if [[ ! -d ${P.workspace}/.git ]]; then
  # A workspace the gateway used before a repository was configured is kept, beside the clone.
  if [[ -n "$(ls -A ${P.workspace} 2>/dev/null)" ]]; then
    aside=${P.workspace}.local-$(date -u +%Y%m%dT%H%M%SZ)
    log "workspace: the local folder moves to $aside before the first clone"
    mv ${P.workspace} "$aside"
  fi
  ${localWorkspace}
  (cd / && ${asMonitor} git clone ${branch}-- ${q(workspace.gitUrl)} ${P.workspace})
  ${asMonitor} git -C ${P.workspace} config core.sharedRepository group
  chmod -R g+rwX ${P.workspace}
  find ${P.workspace} -type d -exec chmod g+s {} +
fi
`;
}

export function renderDeployScript(input: DeployScriptInput): string {
  // Staged on every push; the bundle only when it changed (infra), so it may be absent.
  const required: string[] = [F.openclawConfig, F.gatewayEnv, F.monitorConfig];
  // The monitor's own secret files: each is read again by a reload when it changed.
  const monitorSecrets = [
    { name: F.primaryToken, path: P.primaryTokenFile, staged: input.primaryToken },
    { name: F.ownerDmToken, path: P.ownerDmTokenFile, staged: input.ownerDmToken },
  ];
  for (const secret of monitorSecrets) if (secret.staged) required.push(secret.name);
  if (input.workspace !== undefined) required.push(F.workspaceDeployKey);
  const warm = input.standbyMode === 'warm';
  if (warm) required.push(F.standbyToken);
  const staged = (name: string) => `"$staging/${name}"`;
  const node = P.nodeBin;

  const tokenChange = monitorSecrets
    .map((s) =>
      s.staged ? `cmp -s ${staged(s.name)} ${s.path} || need reload` : `[[ ! -e ${s.path} ]] || need reload`,
    )
    .join('\n');
  const monitorTokens = monitorSecrets
    .map((s) =>
      s.staged ? `install -m 0640 -o root -g ${MONITOR_USER} ${staged(s.name)} ${s.path}` : `rm -f ${s.path}`,
    )
    .join('\n');
  // The monitor asks the warm gateway which channels run (admin RPC) with the gateway's own token.
  const standbyToken = warm
    ? `install -m 0640 -o root -g ${MONITOR_USER} ${staged(F.standbyToken)} ${P.standbyTokenFile}`
    : `rm -f ${P.standbyTokenFile}`;
  // A warm gateway runs on and would keep old secrets (and a rotated gateway token would lock the
  // monitor out of its admin RPC): it is restarted to read them while its channel is off. While
  // the channel serves it is left alone, as a promoted gateway always is.
  const startWarmGateway = warm
    ? `
if [[ "$gateway_env_changed" == 1 ]] && systemctl is-active --quiet ${GATEWAY_UNIT_NAME} &&
  ! grep -q '"enabled":true' ${P.channelSwitch}; then
  log "warm standby: new gateway secrets, channel off: restarting ${GATEWAY_UNIT_NAME}"
  systemctl restart ${GATEWAY_UNIT_NAME}
fi
log "warm standby: ${GATEWAY_UNIT_NAME} runs (its channel stays as the monitor switched it)"
systemctl start ${GATEWAY_UNIT_NAME}
`
    : '';

  return `#!/bin/bash
# Installs the files infra staged in ${STAGING_DIR}, then restarts or reloads the failover monitor
# only when what it runs changed. Run as root after cloud-init has finished. Safe to run again;
# never stops or restarts a serving ${GATEWAY_UNIT_NAME}.
set -euo pipefail
umask 077
log() { echo "failover-deploy: $*" >&2; }
staging=${STAGING_DIR}
pending=${P.monitorPendingAction}

if [[ ! -f ${P.firstBootMarker} ]]; then
  log "the first-boot script has not completed (no ${P.firstBootMarker}); see cloud-init status --long"
  exit 1
fi
for name in ${shellWords(required)}; do
  [[ -s "$staging/$name" ]] || { log "missing staged file $staging/$name"; exit 1; }
done
bundle=${P.monitorBundle}
[[ -s ${staged(F.monitorBundle)} ]] && bundle=${staged(F.monitorBundle)}
[[ -s "$bundle" ]] || { log "no monitor bundle: neither staged nor installed"; exit 1; }

log "checking the monitor config with the bundle that will run it"
${node} "$bundle" check-config ${staged(F.monitorConfig)} --watchdog-seconds ${input.monitorWatchdogSeconds} >&2

# What the monitor needs: none < reload < restart.
monitor=none
need() {
  case "$monitor:$1" in
    restart:* | reload:reload | *:none) ;;
    *:reload | *:restart) monitor=$1 ;;
    *) log "unknown monitor action: $1"; exit 1 ;;
  esac
}
[[ ! -s "$pending" ]] || need "$(<"$pending")"
[[ "$bundle" == ${P.monitorBundle} ]] || cmp -s "$bundle" ${P.monitorBundle} || need restart
cmp -s ${staged(F.monitorConfig)} ${P.monitorConfig} ||
  need "$(${node} "$bundle" reload-plan ${P.monitorConfig} ${staged(F.monitorConfig)})"
${tokenChange}
systemctl is-active --quiet ${MONITOR_UNIT_NAME} || need restart
log "the monitor needs: $monitor"
[[ "$monitor" == none ]] || echo "$monitor" >"$pending"

log "gateway config and secrets"
${
  warm
    ? `gateway_env_changed=0
cmp -s ${staged(F.gatewayEnv)} ${P.gatewayEnv} || gateway_env_changed=1
`
    : ''
}install -m 0600 -o root -g root ${staged(F.gatewayEnv)} ${P.gatewayEnv}
install -m 0600 -o ${OPENCLAW_USER} -g ${OPENCLAW_USER} ${staged(F.openclawConfig)} ${P.openclawConfig}

log "monitor config, primary token and bundle"
install -m 0640 -o root -g ${MONITOR_USER} ${staged(F.monitorConfig)} ${P.monitorConfig}
${monitorTokens}
${standbyToken}
[[ "$bundle" == ${P.monitorBundle} ]] || install -m 0644 -o root -g root "$bundle" ${P.monitorBundle}

${input.workspace === undefined ? `rm -f ${P.workspaceDeployKey} ${P.monitorGitConfig}\n${localWorkspace}\n` : workspaceSection(input.workspace)}
# Secrets do not linger in the staging dir.
(cd "$staging" && rm -f -- ${shellWords([...required, F.monitorBundle])})

systemctl daemon-reload${startWarmGateway}
systemctl enable ${MONITOR_UNIT_NAME}
case "$monitor" in
  restart)
    log "restarting ${MONITOR_UNIT_NAME}"
    systemctl restart ${MONITOR_UNIT_NAME}
    ;;
  reload)
    # A unit without ExecReload= (a droplet from before it) is restarted instead.
    log "reloading ${MONITOR_UNIT_NAME} in place: its state and failure counts stay"
    systemctl reload-or-restart ${MONITOR_UNIT_NAME}
    ;;
  none) log "${MONITOR_UNIT_NAME} runs what was pushed already: left as it is" ;;
esac
rm -f "$pending"
log "done"
`;
}
