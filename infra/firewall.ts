// The droplet's DigitalOcean cloud firewall. Inbound: SSH from the configured sources and nothing
// else; the gateway is reached over the tailnet, which needs no inbound rule because Tailscale
// connects outward. ufw on the droplet (cloud-init) applies the same inbound policy inside.
import * as digitalocean from '@pulumi/digitalocean';
import type * as pulumi from '@pulumi/pulumi';

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** TCP ports the standby dials: git over SSH, DNS, apt/npm/APIs over HTTP(S). */
const OUTBOUND_TCP_PORTS = [22, 53, 80, 443];

export interface StandbyFirewallArgs {
  dropletId: pulumi.Input<number>;
  sshAllowedCidrs: string[];
  /** A TCP port beyond OUTBOUND_TCP_PORTS the standby must reach, e.g. a git remote's SSH port. */
  extraOutboundTcpPorts: number[];
}

export function standbyFirewall(
  name: string,
  args: StandbyFirewallArgs,
  opts: pulumi.CustomResourceOptions,
): digitalocean.Firewall {
  const tcpPorts = [...new Set([...OUTBOUND_TCP_PORTS, ...args.extraOutboundTcpPorts])].sort((a, b) => a - b);
  return new digitalocean.Firewall(
    name,
    {
      name,
      dropletIds: [args.dropletId],
      inboundRules: [{ protocol: 'tcp', portRange: '22', sourceAddresses: args.sshAllowedCidrs }],
      outboundRules: [
        ...tcpPorts.map((port) => ({
          protocol: 'tcp',
          portRange: String(port),
          destinationAddresses: ANYWHERE,
        })),
        // WireGuard to tailnet peers and DERP/STUN use arbitrary UDP ports; DNS and NTP are UDP too.
        { protocol: 'udp', portRange: '1-65535', destinationAddresses: ANYWHERE },
        { protocol: 'icmp', destinationAddresses: ANYWHERE },
      ],
    },
    opts,
  );
}
