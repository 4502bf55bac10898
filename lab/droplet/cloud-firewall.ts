// DigitalOcean's cloud firewall, stood in for at the edge of the lab's "internet" link: the inbound
// rules of the Firewall resource the program registered, as nftables rules in the lab host's
// namespace on the packets it sends the guest. Like the real one it sits outside the droplet and
// changes through its resource, never over SSH; what it does not admit never reaches the guest.
// Inbound only (the lab's egress proxy already decides what the guest reaches outside).
import { sh } from '../netns.js';
import type { RenderedResource } from './stack.js';

const TABLE = 'fg_cloud_firewall';

interface InboundRule {
  protocol: string;
  portRange?: string;
  sourceAddresses?: string[];
}

/** The nftables ruleset for `firewall`'s inbound rules on the link `device` (IPv4 sources: the lab's). */
export function renderCloudFirewall(firewall: RenderedResource, device: string): string {
  const rules = ((firewall.inputs.inboundRules ?? []) as InboundRule[]).map((rule) => {
    const sources = (rule.sourceAddresses ?? []).filter((cidr) => !cidr.includes(':'));
    if (sources.length === 0) return '';
    const ports = rule.portRange === undefined ? '' : ` ${rule.protocol} dport ${rule.portRange}`;
    const proto = rule.protocol === 'icmp' ? ' ip protocol icmp' : ports;
    return `    oifname "${device}" ip saddr { ${sources.join(', ')} }${proto} accept\n`;
  });
  return `table inet ${TABLE} {
  chain inbound {
    type filter hook output priority 0; policy accept;
    oifname "${device}" ct state established,related accept
${rules.join('')}    oifname "${device}" drop
  }
}
`;
}

/** Puts `firewall`'s rules in force in `netns`, replacing what was there (an update in place). */
export function applyCloudFirewall(netns: string, firewall: RenderedResource, device: string): void {
  sh('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], `table inet ${TABLE}\ndelete table inet ${TABLE}\n`);
  sh('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], renderCloudFirewall(firewall, device));
}
