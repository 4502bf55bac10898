// The droplet's user-data: a #cloud-config document. Everything here is fixed at creation (a
// change replaces the droplet) and readable from inside the droplet by root through the metadata
// service, so its one secret is one that is spent at the first login: the provisioning host key
// (host-key.ts). The tailnet auth key comes over SSH once the droplet is up (join-tailnet.ts),
// the rest with each push (deploy-script.ts).
import { stringify } from 'yaml';
import { type FirstBootInput, renderFirstBootScript } from './first-boot-script.js';
import { HOST_KEY_FILE, type HostKeyPair, hostKeyCloudConfig } from './host-key.js';
import {
  METADATA_GUARD_UNIT_NAME,
  renderMetadataGuardRules,
  renderMetadataGuardUnit,
} from './metadata-guard.js';
import { GATEWAY_UNIT_NAME, MONITOR_UNIT_NAME, DROPLET_PATHS as P } from './paths.js';
import { LINUX_USER } from './shapes.js';
import { renderGatewayUnit, renderMonitorUnit, renderPolkitRule } from './units.js';

export interface UserDataInput {
  hostname: string;
  /** The login for people and for infra's deploy step: SSH keys only, passwordless sudo. */
  admin: { name: string; sshPublicKeys: readonly string[] };
  /** sshd's host key until the deploy's first login replaces it (host-key.ts). */
  provisioningHostKey: HostKeyPair;
  /**
   * The official linux-x64 tarball of this exact version, checked against `sha256`: its line for
   * `node-v<version>-linux-x64.tar.xz` in https://nodejs.org/dist/v<version>/SHASUMS256.txt (a
   * file signed by the Node release keys), pinned in the stack config next to the version.
   */
  node: { version: string; sha256: string; distUrl: string };
  openclaw: { version: string; channel: FirstBootInput['openclaw']['channel'] };
  gatewayPort: number;
  /** The gateway unit's stop deadline (TimeoutStopSec). */
  gatewayStopTimeoutSeconds: number;
  /** The monitor unit's WatchdogSec. */
  monitorWatchdogSeconds: number;
  /** warm: the gateway runs from boot, its channel off until promotion (FirstBootInput, units). */
  standbyMode: FirstBootInput['standbyMode'];
}

/** /usr/local/bin/openclaw-failover: the monitor's CLI with the pinned Node, for the admin. */
export function renderCliWrapper(): string {
  return `#!/bin/sh
# The failover monitor's CLI (status, hold, release, drill, check-config) with the pinned Node.
exec ${P.nodeBin} ${P.monitorBundle} "$@"
`;
}

const SSHD_HARDENING = (
  adminUser: string,
) => `# Keys only, no root login, only the admin user. Sorts before 50-cloud-init.conf: first value wins.
PermitRootLogin no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
PermitEmptyPasswords no
X11Forwarding no
AllowUsers ${adminUser}
# One host key, the one the deploy pins (host-key.ts).
HostKey ${HOST_KEY_FILE}
`;

// Ubuntu's fail2ban reads auth.log by default; the journal is always there.
const FAIL2BAN_SSHD = `[sshd]
enabled = true
backend = systemd
`;

const AUTO_UPGRADES = `APT::Periodic::Update-Package-Lists "1";
APT::Periodic::Unattended-Upgrade "1";
`;

type WriteFile = { path: string; content: string; permissions: string; owner?: string; defer?: boolean };

export function renderUserData(input: UserDataInput): string {
  // A line of sshd_config: a space would allow another user.
  if (!LINUX_USER.test(input.admin.name))
    throw new Error(`admin.name ${JSON.stringify(input.admin.name)} is not a login name`);
  if (input.admin.sshPublicKeys.length === 0)
    throw new Error('admin.sshPublicKeys must hold at least one key');
  const firstBoot = renderFirstBootScript({
    adminUser: input.admin.name,
    gatewayPort: input.gatewayPort,
    node: input.node,
    openclaw: input.openclaw,
    standbyMode: input.standbyMode,
  });

  // Deferred files are written in cloud-init's final stage, after the packages that own their
  // directories (polkitd, systemd drop-ins) are installed.
  const writeFiles: WriteFile[] = [
    { path: P.sshdDropIn, content: SSHD_HARDENING(input.admin.name), permissions: '0644' },
    { path: P.fail2banJail, content: FAIL2BAN_SSHD, permissions: '0644', defer: true },
    { path: P.autoUpgrades, content: AUTO_UPGRADES, permissions: '0644', defer: true },
    { path: P.polkitRule, content: renderPolkitRule(), permissions: '0644', defer: true },
    { path: P.metadataGuardRules, content: renderMetadataGuardRules(), permissions: '0644' },
    {
      path: `/etc/systemd/system/${METADATA_GUARD_UNIT_NAME}`,
      content: renderMetadataGuardUnit(P.metadataGuardRules),
      permissions: '0644',
    },
    {
      path: `/etc/systemd/system/${GATEWAY_UNIT_NAME}`,
      content: renderGatewayUnit({
        gatewayPort: input.gatewayPort,
        stopTimeoutSeconds: input.gatewayStopTimeoutSeconds,
        standbyMode: input.standbyMode,
      }),
      permissions: '0644',
      defer: true,
    },
    {
      path: `/etc/systemd/system/${MONITOR_UNIT_NAME}`,
      content: renderMonitorUnit({
        watchdogSeconds: input.monitorWatchdogSeconds,
        standbyMode: input.standbyMode,
      }),
      permissions: '0644',
      defer: true,
    },
    { path: P.monitorCli, content: renderCliWrapper(), permissions: '0755', defer: true },
    { path: P.firstBootScript, content: firstBoot, permissions: '0700', defer: true },
  ];

  const cloudConfig = {
    hostname: input.hostname,
    preserve_hostname: false,
    ssh_pwauth: false,
    disable_root: true,
    ...hostKeyCloudConfig(input.provisioningHostKey),
    users: [
      {
        name: input.admin.name,
        shell: '/bin/bash',
        groups: ['sudo'],
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: [...input.admin.sshPublicKeys],
      },
    ],
    package_update: true,
    package_upgrade: true,
    packages: [
      'ca-certificates',
      'curl',
      'gnupg',
      'xz-utils',
      'git',
      'ufw',
      'fail2ban',
      'python3-systemd',
      'unattended-upgrades',
      'polkitd',
      'nftables',
    ],
    write_files: writeFiles,
    runcmd: [[P.firstBootScript]],
    final_message: 'failover-gateway first boot finished after $UPTIME seconds',
  };
  // lineWidth 0: never fold, so embedded scripts and units stay byte-exact block literals.
  return `#cloud-config\n${stringify(cloudConfig, { lineWidth: 0, blockQuote: 'literal' })}`;
}
