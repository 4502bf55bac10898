// The standby's Tailscale auth key: minted for one droplet, after it exists, and spent by the
// join command over SSH (deploy.ts). Its replacement trigger is the droplet's id, so every new
// droplet gets a fresh key, whatever replaced it: a config change, `pulumi up --replace`, or a
// droplet deleted by hand and created again. The joined device's tags are then kept by
// DeviceTags through the API, so a new tag list applies to the running droplet in place.
import type * as pulumi from '@pulumi/pulumi';
import * as tailscale from '@pulumi/tailscale';

/** Long enough for the droplet's first boot and the join after it, short enough to be useless after. */
export const AUTH_KEY_EXPIRY_SECONDS = 3600;

export interface StandbyAuthKeyArgs {
  /** `tag:`-prefixed tags the device joins with; each needs a tagOwners entry in the tailnet policy. */
  tags: string[];
  /** The droplet the key is for: a new id, a new key. */
  dropletId: pulumi.Input<string>;
}

export function standbyAuthKey(name: string, args: StandbyAuthKeyArgs): tailscale.TailnetKey {
  return new tailscale.TailnetKey(
    name,
    {
      description: 'failover gateway standby',
      reusable: false,
      ephemeral: false,
      preauthorized: true,
      tags: args.tags,
      expiry: AUTH_KEY_EXPIRY_SECONDS,
      // A spent single-use key reads as invalid: kept, as the droplet it joined is; a new
      // droplet gets a new key by replacementTrigger.
      recreateIfInvalid: 'never',
    },
    { replacementTrigger: args.dropletId },
  );
}

export interface StandbyDeviceTagsArgs {
  /** The joined node's stable ID, as the join command prints it. */
  nodeId: pulumi.Input<string>;
  /** `tag:`-prefixed; each needs a tagOwners entry in the tailnet policy. */
  tags: string[];
}

/**
 * The standby device's tags, set through the Tailscale API: a changed list updates the device in
 * place. (Its auth key is minted again with the new tags too, a tag list being part of a key; the
 * join command then finds the node joined and leaves that key unspent, to expire within the hour.)
 * Never cleared: the provider's delete sets the tags to none, which fails on a device the
 * tailnet-exit step removed (404) and has no use on one it logged out; the tags go with the device.
 */
export function standbyDeviceTags(name: string, args: StandbyDeviceTagsArgs): tailscale.DeviceTags {
  return new tailscale.DeviceTags(name, { deviceId: args.nodeId, tags: args.tags }, { retainOnDelete: true });
}
