// The cloud metadata service (169.254.169.254) serves the droplet's user-data, with the tailnet
// auth key in it, to any local process that asks. Only root needs it (cloud-init, the provider's
// agent); every other user, the gateway's AI agent with its tools above all, is refused by an
// nftables table of its own, loaded at boot before the network is up.

export const METADATA_ADDRESS = '169.254.169.254';
export const METADATA_GUARD_UNIT_NAME = 'metadata-guard.service';
const TABLE = 'metadata_guard';

/** The nft script: idempotent (the table is replaced whole), independent of ufw's tables. */
export function renderMetadataGuardRules(): string {
  return `# nft -f: only root may reach the cloud metadata service.
table inet ${TABLE}
delete table inet ${TABLE}
table inet ${TABLE} {
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr ${METADATA_ADDRESS} meta skuid != 0 counter reject with icmpx type admin-prohibited
  }
}
`;
}

export function renderMetadataGuardUnit(rulesPath: string): string {
  return `[Unit]
Description=Only root may reach the cloud metadata service (it serves the user-data)
DefaultDependencies=no
Before=network-pre.target
Wants=network-pre.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/nft -f ${rulesPath}

[Install]
WantedBy=sysinit.target
`;
}
