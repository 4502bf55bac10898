// The standby's Tailscale auth key. It travels in user-data, which is readable from inside the
// droplet for its whole life, so it must be worthless after the first boot.
import * as tailscale from '@pulumi/tailscale';

/** Long enough for DigitalOcean to create and boot the droplet, short enough to be useless after. */
export const AUTH_KEY_EXPIRY_SECONDS = 3600;

export interface StandbyAuthKeyArgs {
  /** `tag:`-prefixed tags the device joins with; each needs a tagOwners entry in the tailnet policy. */
  tags: string[];
  /** Replaces the key when it changes: see `dropletGeneration` in user-data.ts. */
  dropletGeneration: string;
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
      // A spent single-use key reads as invalid. Recreating it would change user-data and
      // replace a healthy droplet, so it is kept; a new droplet gets a new key by replacementTrigger.
      recreateIfInvalid: 'never',
    },
    { replacementTrigger: args.dropletGeneration },
  );
}
