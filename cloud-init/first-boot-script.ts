// The first-boot script cloud-init runs (runcmd) after its package stage. Exported on its own so
// tests can shellcheck it; user-data embeds it through write_files.

import { METADATA_GUARD_UNIT_NAME } from './metadata-guard.js';
import {
  type ChannelKind,
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

/** Tailscale's package signing key (pkgs.tailscale.com): the downloaded keyring must match it. */
const TAILSCALE_KEY_FINGERPRINT = '2596A99EAAB33821893C0A79458CA832957F5868';

export interface FirstBootInput {
  adminUser: string;
  gatewayPort: number;
  /** `distUrl`: nodejs.org/dist or a mirror in its layout; the SHA-256 pins the file either way. */
  node: { version: string; sha256: string; distUrl: string };
  openclaw: { version: string; channel: ChannelKind };
  standbyMode: StandbyMode;
}

/** The npm spec of the standby channel's plugin, or none when OpenClaw bundles the channel. */
function channelPluginSpec(channel: ChannelKind, openclawVersion: string): string | undefined {
  // Telegram ships inside OpenClaw; official plugins are released in step with the core.
  return channel === 'discord' ? `@openclaw/discord@${openclawVersion}` : undefined;
}

/**
 * Injection guards only: every value is quoted where it lands, except where quoting cannot keep it
 * in place. The shapes themselves are infra's to validate (cloud-init/shapes.ts, used by both).
 */
function guard(input: FirstBootInput): void {
  // One line of the list sha256sum checks: a newline would add a line of its own.
  assertSingleLine('node.sha256', input.node.sha256);
}

export function renderFirstBootScript(input: FirstBootInput): string {
  guard(input);
  const { node, openclaw } = input;
  const plugin = channelPluginSpec(openclaw.channel, openclaw.version);
  const openclawEnv = shellWords([
    `HOME=${P.openclawHome}`,
    `PATH=${P.nodeDir}/bin:/usr/bin:/bin`,
    `OPENCLAW_STATE_DIR=${P.openclawStateDir}`,
    `OPENCLAW_CONFIG_PATH=${P.openclawConfig}`,
    'OPENCLAW_SERVICE_REPAIR_POLICY=external',
  ]);

  // Owned by the monitor, readable by the gateway through its group (setgid: so are the monitor's
  // replacements). Created off: the gateway must not serve before the monitor says so.
  const warmSwitch = `install -d -m 2750 -o ${MONITOR_USER} -g ${OPENCLAW_USER} ${P.channelSwitchDir}
if [[ ! -e ${P.channelSwitch} ]]; then
  printf '%s\\n' '{"enabled":false}' >${P.channelSwitch}
  chown ${MONITOR_USER}:${OPENCLAW_USER} ${P.channelSwitch}
  chmod 0640 ${P.channelSwitch}
fi
`;
  const units =
    input.standbyMode === 'warm'
      ? `log "units: the monitor and the warm gateway are enabled (both idle until deployed)"
systemctl daemon-reload
systemctl enable ${MONITOR_UNIT_NAME} ${GATEWAY_UNIT_NAME}`
      : `log "units: the monitor is enabled (idle until deployed), the gateway is left to the monitor"
systemctl daemon-reload
systemctl enable ${MONITOR_UNIT_NAME}`;

  return `#!/bin/bash
# First boot of the failover standby (run once by cloud-init after its package stage).
# Hardening, Tailscale, pinned Node and OpenClaw, service users and units. Secrets other than the
# single-use tailnet auth key arrive later with the deploy step.
set -euo pipefail
umask 022
export DEBIAN_FRONTEND=noninteractive
log() { echo "failover-first-boot: $*" >&2; }
download() { curl --fail --silent --show-error --location --retry 5 --retry-all-errors --output "$2" "$1"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# First: the metadata service (user-data, the droplet's description) stops answering anyone but root.
log "metadata service: root only"
systemctl daemon-reload
systemctl enable --now ${METADATA_GUARD_UNIT_NAME}

log "service users and directories"
getent group ${WORKSPACE_GROUP} >/dev/null || groupadd --system ${WORKSPACE_GROUP}
for user_home in ${OPENCLAW_USER}:${P.openclawHome} ${MONITOR_USER}:${P.monitorStateDir}; do
  user=\${user_home%%:*}
  id -u "$user" >/dev/null 2>&1 ||
    useradd --system --user-group --home-dir "\${user_home#*:}" --shell /usr/sbin/nologin "$user"
  usermod --append --groups ${WORKSPACE_GROUP} "$user"
done
install -d -m 0700 -o ${OPENCLAW_USER} -g ${OPENCLAW_USER} ${P.openclawHome} ${P.openclawStateDir}
install -d -m 0700 -o ${MONITOR_USER} -g ${MONITOR_USER} ${P.monitorStateDir}
install -d -m 0750 -o root -g ${MONITOR_USER} ${P.monitorConfigDir}
install -d -m 0700 ${P.gatewayEnvDir}
install -d -m 0755 ${P.monitorBundleDir} ${P.provisioningDir}
install -d -m 0700 -o ${q(input.adminUser)} -g ${q(input.adminUser)} ${STAGING_DIR}
${input.standbyMode === 'warm' ? warmSwitch : ''}
# The SSH sources are the cloud firewall's to pick (infra/firewall.ts): it changes through
# DigitalOcean's API, in place. Filtered here, a new address would need the SSH it is refused.
log "firewall: inbound SSH (its sources filtered by the cloud firewall), the gateway port on the tailnet only"
ufw default deny incoming
ufw default allow outgoing
ufw allow 22/tcp comment 'ssh, sources filtered by the cloud firewall'
ufw allow in on tailscale0 to any port ${input.gatewayPort} proto tcp comment 'openclaw gateway'
ufw --force enable

log "sshd, fail2ban, unattended-upgrades"
sshd -t
systemctl try-reload-or-restart ssh.service
systemctl enable --now fail2ban.service unattended-upgrades.service
systemctl restart fail2ban.service

log "tailscale from its signed apt repository"
# shellcheck source=/dev/null
. /etc/os-release
# An image that already brings the client (and a re-run after a partial first boot) skips the repository.
if ! dpkg-query --show --showformat='\${db:Status-Status}' tailscale 2>/dev/null | grep -qx installed; then
  repo="https://pkgs.tailscale.com/stable/$ID"
  download "$repo/$VERSION_CODENAME.noarmor.gpg" "$work/tailscale.gpg"
  fingerprint=$(gpg --show-keys --with-colons "$work/tailscale.gpg" | awk -F: '$1 == "fpr" { print $10; exit }')
  if [[ "$fingerprint" != ${TAILSCALE_KEY_FINGERPRINT} ]]; then
    log "tailscale signing key has fingerprint '$fingerprint', expected ${TAILSCALE_KEY_FINGERPRINT}"
    exit 1
  fi
  install -m 0644 "$work/tailscale.gpg" ${P.tailscaleKeyring}
  echo "deb [signed-by=${P.tailscaleKeyring}] $repo $VERSION_CODENAME main" >${P.tailscaleAptSource}
  apt-get update -q
  apt-get install -y -q tailscale
fi
# Joined later, over SSH, with a key minted for this droplet (infra/deploy.ts).
systemctl enable --now tailscaled.service

node_version=${q(node.version)}
node_tarball="node-v$node_version-linux-x64.tar.xz"
log "node $node_version, checked against its published SHA-256"
download ${q(node.distUrl)}"/v$node_version/$node_tarball" "$work/$node_tarball"
printf '%s\n' ${q(`${node.sha256}  `)}"$work/$node_tarball" | sha256sum --check --strict --quiet
rm -rf ${P.nodeDir}
install -d -m 0755 ${P.nodeDir}
tar -xJf "$work/$node_tarball" -C ${P.nodeDir} --strip-components=1 --no-same-owner
test "$(${P.nodeBin} --version)" = "v$node_version"

log ${q(`openclaw ${openclaw.version}`)}
PATH=${P.nodeDir}/bin:$PATH ${P.npmBin} install --global --no-fund --no-audit ${q(`openclaw@${openclaw.version}`)}
${
  plugin === undefined
    ? `# The ${openclaw.channel} channel ships inside OpenClaw: no plugin to preinstall.`
    : `# Preinstalled into the gateway's state dir so a promotion downloads nothing.
(cd ${P.openclawHome} && runuser -u ${OPENCLAW_USER} -- env -i ${openclawEnv} \\
  ${P.nodeBin} ${P.openclawEntry} plugins install ${q(plugin)} --pin)`
}

${units}
touch ${P.firstBootMarker}
log "done"
`;
}
