// The standby droplet with what only exists for it: its SSH key, its cloud firewall (in force
// from the droplet's first boot) and its place in a DigitalOcean project.
import * as digitalocean from '@pulumi/digitalocean';
import * as pulumi from '@pulumi/pulumi';
import { standbyFirewall } from './firewall.js';

export interface StandbyDropletArgs {
  /** DigitalOcean region slug, e.g. `fra1`. Changing it replaces the droplet. */
  region: string;
  /** DigitalOcean size slug, e.g. `s-1vcpu-2gb`. Resized in place. */
  size: string;
  /** DigitalOcean image slug, e.g. `ubuntu-24-04-x64`. Changing it replaces the droplet. */
  image: string;
  /** The admin's OpenSSH public key, installed by DigitalOcean and by cloud-init. */
  sshPublicKey: string;
  /** Source CIDRs the cloud firewall admits to SSH; nothing else is admitted. */
  sshAllowedCidrs: string[];
  /** TCP ports the standby dials beyond the firewall's defaults (e.g. a git remote's SSH port). */
  extraOutboundTcpPorts: number[];
  /** The #cloud-config document; a change replaces the droplet. */
  userData: pulumi.Input<string>;
  /** DigitalOcean tags of the droplet (the firewall's own tag is added to them). */
  tags: string[];
  /** Name of an existing DigitalOcean project the droplet is moved into. */
  projectName: string;
}

export class StandbyDroplet extends pulumi.ComponentResource {
  /** DigitalOcean's numeric droplet id, as a string. */
  public readonly dropletId: pulumi.Output<string>;
  public readonly dropletName: pulumi.Output<string>;
  public readonly publicIp: pulumi.Output<string>;

  constructor(name: string, args: StandbyDropletArgs, opts?: pulumi.ComponentResourceOptions) {
    super('failover-gateway:index:StandbyDroplet', name, {}, opts);

    const sshKey = new digitalocean.SshKey(
      `${name}-admin`,
      { name: `${name}-admin`, publicKey: args.sshPublicKey },
      { parent: this },
    );

    const { firewall, tag: firewallTag } = standbyFirewall(
      name,
      { sshAllowedCidrs: args.sshAllowedCidrs, extraOutboundTcpPorts: args.extraOutboundTcpPorts },
      { parent: this },
    );

    const droplet = new digitalocean.Droplet(
      name,
      {
        name,
        region: args.region,
        size: args.size,
        image: args.image,
        sshKeys: [sshKey.fingerprint],
        userData: args.userData,
        monitoring: true,
        tags: [...args.tags, firewallTag],
        // Keep the disk as it is so a resize can be undone: a grown disk cannot shrink back.
        resizeDisk: false,
      },
      // Two standbys would both promote when the primary fails: the old one goes first. The
      // firewall exists before the droplet, so it filters the droplet's first packet.
      { parent: this, deleteBeforeReplace: true, dependsOn: [firewall] },
    );

    const project = digitalocean.getProjectOutput({ name: args.projectName }, { parent: this });
    new digitalocean.ProjectResources(
      `${name}-project`,
      { project: project.id, resources: [droplet.dropletUrn] },
      { parent: this },
    );

    this.dropletId = droplet.id;
    this.dropletName = droplet.name;
    this.publicIp = droplet.ipv4Address;
    this.registerOutputs({
      dropletId: this.dropletId,
      dropletName: this.dropletName,
      publicIp: this.publicIp,
    });
  }
}
