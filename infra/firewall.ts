// The droplet's DigitalOcean cloud firewall. Inbound: SSH from the configured sources and nothing
// else; the gateway is reached over the tailnet, which needs no inbound rule because Tailscale
// connects outward. It applies to a tag of its own, which the droplet carries from its creation:
// attached by droplet id instead, it would only arrive after the droplet had booted open.
import * as digitalocean from '@pulumi/digitalocean';
import type * as pulumi from '@pulumi/pulumi';

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** TCP ports the standby dials: git over SSH, DNS, apt/npm/APIs over HTTP(S). */
const OUTBOUND_TCP_PORTS = [22, 53, 80, 443];

export interface StandbyFirewallArgs {
  sshAllowedCidrs: string[];
  /** A TCP port beyond OUTBOUND_TCP_PORTS the standby must reach, e.g. a git remote's SSH port. */
  extraOutboundTcpPorts: number[];
}

export interface StandbyFirewall {
  firewall: digitalocean.Firewall;
  /** The tag the firewall applies to: give it to the droplet at creation. */
  tag: pulumi.Output<string>;
}

export function standbyFirewall(
  name: string,
  args: StandbyFirewallArgs,
  opts: pulumi.CustomResourceOptions,
): StandbyFirewall {
  // Auto-named (a random suffix): tags are global to the DigitalOcean account, and a firewall
  // applies to every droplet with its tag, so no other stack's droplet may share it.
  const tag = new digitalocean.Tag(`${name}-firewall`, {}, opts);
  const tcpPorts = [...new Set([...OUTBOUND_TCP_PORTS, ...args.extraOutboundTcpPorts])].sort((a, b) => a - b);
  const firewall = new digitalocean.Firewall(
    name,
    {
      name,
      tags: [tag.name],
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
  return { firewall, tag: tag.name };
}
