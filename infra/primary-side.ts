// The opt-in primary side (primarySshHost): over SSH to the user's primary, host key pinned,
// install the workspace push timer (cloud-init/primary-side.ts), and remove it at destroy. A
// change of what it installs updates it in place; a change of where (host, port, user) removes it
// from the old place before installing it in the new one, so the two never overwrite each other.
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import {
  type PrimarySideInput,
  renderPrimarySideInstall,
  renderPrimarySideUninstall,
  shellQuote,
} from '../cloud-init/index.js';

export interface PrimarySideArgs extends PrimarySideInput {
  /** Where `pulumi up` reaches the primary over SSH. */
  host: string;
  port: number;
  /** The user OpenClaw runs as: the timer runs as this user, in its systemd user manager. */
  user: string;
  /** The primary's host key (`ssh-ed25519 AAAA…`): the only host the connection accepts. */
  hostKey: string;
  /** Its private key; undefined uses the local ssh-agent (SSH_AUTH_SOCK). */
  privateKey: pulumi.Input<string> | undefined;
}

export class PrimarySide extends pulumi.ComponentResource {
  /** What the install printed last: the push interval and the workspace it watches. */
  public readonly installed: pulumi.Output<string>;

  constructor(name: string, args: PrimarySideArgs, opts?: pulumi.ComponentResourceOptions) {
    super('failover-gateway:index:PrimarySide', name, {}, opts);
    const install = renderPrimarySideInstall(args);
    const step = new command.remote.Command(
      `${name}-workspace-push`,
      {
        connection: {
          host: args.host,
          port: args.port,
          user: args.user,
          hostKey: args.hostKey,
          ...(args.privateKey === undefined ? {} : { privateKey: args.privateKey }),
          dialErrorLimit: 4,
          perDialTimeout: 10,
        },
        create: 'bash -s',
        update: 'bash -s',
        stdin: install,
        delete: `bash -c ${shellQuote(renderPrimarySideUninstall(args.openclawConfigPath))}`,
      },
      { parent: this, replaceOnChanges: ['connection'], deleteBeforeReplace: true },
    );
    this.installed = step.stdout.apply((out) => out.trim());
    this.registerOutputs({ installed: this.installed });
  }
}
