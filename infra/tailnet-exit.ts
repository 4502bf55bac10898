// The standby's way out of the tailnet when its droplet goes (`pulumi destroy`, or a
// replacement: the droplet's id is a trigger). A local command whose delete runs
// tailnet-exit/main.ts on the user's machine: the leave command over SSH when the droplet answers
// with its pinned host key, else the device's removal through the Tailscale API, so a dead
// droplet no longer holds destroy. Nothing runs at `pulumi up`: it only stores the step's inputs.
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import { renderLeaveTailnetCommand, shellQuote } from '../cloud-init/index.js';
import { ADMIN_USER } from './droplet-settings.js';
import { EXIT_ENV, EXIT_SCRIPT } from './tailnet-exit/contract.js';

/**
 * Run by /bin/sh in infra/ (Pulumi's working directory for a program whose `main` is a folder,
 * given to its providers too), with the Node that runs `pulumi up`: type stripping and the same
 * import hook. From the checkout, not from the state: a moved checkout still works.
 */
export const EXIT_COMMAND = `test -f ${shellQuote(EXIT_SCRIPT)} || { echo 'tailnet exit: run pulumi destroy from the failover-gateway checkout' >&2; exit 1; }
exec node --disable-warning=ExperimentalWarning --import ./resolve-ts-imports.mjs ${shellQuote(EXIT_SCRIPT)}`;

export interface TailnetExitArgs {
  /** The droplet's public address. */
  host: pulumi.Input<string>;
  /** The droplet's own host key, the only one the SSH session accepts. */
  hostKey: pulumi.Input<string>;
  /** The admin's private key; undefined: the ssh-agent at destroy time. */
  privateKey: pulumi.Input<string> | undefined;
  /** The standby's stable node ID, as the join printed it. */
  nodeId: pulumi.Input<string>;
  /** The droplet: a new one replaces the step, whose delete runs before the old droplet goes. */
  dropletId: pulumi.Input<string>;
}

/** The @pulumi/tailscale provider's own config, stored for a destroy that finds the environment without it. */
function providerConfig(): Record<string, pulumi.Input<string>> {
  const tailscale = new pulumi.Config('tailscale');
  const entries: [string, pulumi.Input<string> | undefined][] = [
    [EXIT_ENV.apiKey, tailscale.getSecret('apiKey')],
    [EXIT_ENV.oauthClientId, tailscale.getSecret('oauthClientId')],
    [EXIT_ENV.oauthClientSecret, tailscale.getSecret('oauthClientSecret')],
    [EXIT_ENV.baseUrl, tailscale.get('baseUrl')],
  ];
  return Object.fromEntries(
    entries.filter((entry): entry is [string, pulumi.Input<string>] => entry[1] !== undefined),
  );
}

export function tailnetExit(
  name: string,
  args: TailnetExitArgs,
  opts: pulumi.CustomResourceOptions,
): command.local.Command {
  return new command.local.Command(
    name,
    {
      delete: EXIT_COMMAND,
      environment: {
        [EXIT_ENV.host]: args.host,
        [EXIT_ENV.port]: '22',
        [EXIT_ENV.user]: ADMIN_USER,
        [EXIT_ENV.hostKey]: args.hostKey,
        ...(args.privateKey === undefined ? {} : { [EXIT_ENV.privateKey]: pulumi.secret(args.privateKey) }),
        [EXIT_ENV.remoteCommand]: renderLeaveTailnetCommand(),
        [EXIT_ENV.nodeId]: args.nodeId,
        ...providerConfig(),
      },
      triggers: [args.dropletId],
    },
    opts,
  );
}
