// The droplet lab's network: two namespaces the lab creates, the lab host's and the guest's, and
// two links between them, both created directly inside the namespaces (no interface ever appears
// in the root namespace, and nothing is routed out of them):
//   - the "internet" link, 169.254.77.0/24: the lab host is .1 (egress relay, Node dist, tailnet
//     control, the SSH client of `pulumi up`), .3 is a second lab-host source that the cloud
//     firewall (cloud-firewall.ts, at the lab host's end) must refuse, the guest is .2; the lab host also answers as the cloud metadata
//     service, 169.254.169.254, on this link only;
//   - the "tailnet" link: the lab host (the primary) is 100.77.0.1, the guest's end waits, down
//     and unnamed, for the tailscale stand-in to log in and bring it up as tailscale0 100.77.0.2.
//     The primary's address sits on a veth whose peer stays in the lab host too, so it has
//     carrier whatever the guest does, as tailscale0 (a tun) has on a real primary: OpenClaw's `bind: tailnet` skips an address whose link has no
//     carrier and binds loopback only, for good (docs/platform-facts.md), and a veth has no
//     carrier until the guest brings its end up.
// For the VM both guest ends are tap devices in the lab host's namespace that QEMU opens.
import { randomBytes } from 'node:crypto';
import { removeLeftovers, removeNamespace, sh } from '../netns.js';

const PREFIX = 'fgdroplet';

export const LAB_HOST_IP = '169.254.77.1';
export const LAB_HOST_OTHER_IP = '169.254.77.3';
export const GUEST_IP = '169.254.77.2';
export const METADATA_IP = '169.254.169.254';
export const PRIMARY_TAILNET_IP = '100.77.0.1';
export const GUEST_TAILNET_IP = '100.77.0.2';
/** MAC addresses the guest's network config and the tailscale stand-in find their links by. */
export const GUEST_WAN_MAC = '52:54:00:77:00:02';
export const GUEST_TAILNET_MAC = '52:54:00:77:74:73';

/** Interface names in the guest (the container) and, for the VM, the tap devices on the lab host. */
const WAN = { host: 'wan0', guest: 'host0' };
const TAILNET = { host: 'tsnet0', guest: 'tsnic0' };
/** The lab host's tailnet address lives on this veth pair's first end (see above). */
const PRIMARY_TAILNET_DEVICE = { name: 'tsaddr0', peer: 'tsaddr1' };

export type GuestLinks = 'veth' | 'tap';

export class DropletNetwork {
  private constructor(
    readonly hostNs: string,
    readonly guestNs: string,
    readonly links: GuestLinks,
  ) {}

  /** Creates the namespaces and links; `tap` leaves the guest's ends to QEMU. */
  static create(links: GuestLinks): DropletNetwork {
    removeLeftovers(PREFIX);
    const id = `${PREFIX}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const net = new DropletNetwork(`${id}-h`, `${id}-g`, links);
    try {
      net.#build();
    } catch (err) {
      net.destroy();
      throw err;
    }
    return net;
  }

  get wanTap(): string {
    return WAN.host;
  }

  /** The lab host's end of the "internet" link (a veth or the VM's tap): the cloud firewall's place. */
  get wanDevice(): string {
    return WAN.host;
  }

  get tailnetTap(): string {
    return TAILNET.host;
  }

  #build(): void {
    const h = ['-n', this.hostNs];
    const g = ['-n', this.guestNs];
    sh('ip', ['netns', 'add', this.hostNs]);
    sh('ip', ['netns', 'add', this.guestNs]);
    if (this.links === 'veth') {
      for (const [link, mac] of [
        [WAN, GUEST_WAN_MAC],
        [TAILNET, GUEST_TAILNET_MAC],
      ] as const) {
        sh('ip', [
          'link',
          'add',
          link.host,
          'netns',
          this.hostNs,
          'type',
          'veth',
          'peer',
          'name',
          link.guest,
        ]);
        sh('ip', ['link', 'set', link.guest, 'netns', this.guestNs]);
        sh('ip', [...g, 'link', 'set', link.guest, 'address', mac]);
      }
      // The container cannot configure its own links: the internet link is set up from here,
      // the tailnet link is left to the tailscale stand-in inside.
      sh('ip', [...g, 'addr', 'add', `${GUEST_IP}/24`, 'dev', WAN.guest]);
      sh('ip', [...g, 'link', 'set', WAN.guest, 'up']);
      sh('ip', [...g, 'link', 'set', 'lo', 'up']);
      sh('ip', [...g, 'route', 'add', `${METADATA_IP}/32`, 'dev', WAN.guest]);
    } else {
      for (const link of [WAN, TAILNET]) sh('ip', [...h, 'tuntap', 'add', 'dev', link.host, 'mode', 'tap']);
    }
    sh('ip', [...h, 'link', 'set', 'lo', 'up']);
    for (const address of [`${LAB_HOST_IP}/24`, `${LAB_HOST_OTHER_IP}/24`, `${METADATA_IP}/32`]) {
      sh('ip', [...h, 'addr', 'add', address, 'dev', WAN.host]);
    }
    const { name, peer } = PRIMARY_TAILNET_DEVICE;
    sh('ip', [...h, 'link', 'add', name, 'type', 'veth', 'peer', 'name', peer]);
    sh('ip', [...h, 'addr', 'add', `${PRIMARY_TAILNET_IP}/32`, 'dev', name]);
    for (const device of [WAN.host, TAILNET.host, name, peer]) {
      sh('ip', [...h, 'link', 'set', device, 'up']);
    }
    sh('ip', [
      ...h,
      'route',
      'add',
      `${GUEST_TAILNET_IP}/32`,
      'dev',
      TAILNET.host,
      'src',
      PRIMARY_TAILNET_IP,
    ]);
  }

  /** Kills whatever runs in the namespaces (lab processes, the container), then removes them. */
  destroy(): void {
    removeNamespace(this.guestNs);
    removeNamespace(this.hostNs);
  }
}
