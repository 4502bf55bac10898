// Pushes the mutable half of the standby over SSH after cloud-init has finished: the monitor
// bundle, the staged files and the deploy script. Each push re-runs only when what it carries
// changes (content hashes in `triggers`): the bundle copy when the bundle changed, the files and
// deploy script when they or the bundle changed. It never replaces the droplet; the deploy script
// installs what differs and restarts or reloads the monitor only as much as that needs.
// Every login verifies the droplet's host key: the first two the provisioning key from user-data,
// every later one the key the droplet made at the second (cloud-init/host-key.ts), so no secret
// ever goes to an unverified host. When the droplet goes, the tailnet-exit step takes it out of
// the tailnet, over SSH or, the droplet unreachable, through the Tailscale API (tailnet-exit.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as command from '@pulumi/command';
import * as pulumi from '@pulumi/pulumi';
import {
  type JoinTailnetInput,
  renderHostKeyRotation,
  renderJoinTailnetCommand,
  STAGED_FILES,
  STAGING_DIR,
  shellQuote,
} from '../cloud-init/index.js';
import { ADMIN_USER } from './droplet-settings.js';
import { tailnetExit } from './tailnet-exit.js';

/** Built by `npm run build`; Pulumi does not run build scripts, so it must exist beforehand. */
export const MONITOR_BUNDLE = fileURLToPath(
  new URL('../monitor/dist/openclaw-failover.mjs', import.meta.url),
);

// `--wait` exits 2 for "done with recoverable errors" (e.g. a deprecated key): the deploy script
// still checks the first-boot script's own completion marker before it installs anything.
const WAIT_FOR_CLOUD_INIT = 'cloud-init status --wait --long || [ $? -eq 2 ]';

export interface StandbyDeploymentArgs {
  /** Public address of the droplet; SSH reaches it from where `pulumi up` runs. */
  host: pulumi.Input<string>;
  /** `ssh-ed25519 AAAA…` of the host key in the droplet's user-data (host-key.ts). */
  provisioningHostKey: pulumi.Input<string>;
  /** The droplet's id: a new droplet gets everything pushed again. */
  dropletId: pulumi.Input<string>;
  /** Private key of the admin user; undefined uses the local ssh-agent (SSH_AUTH_SOCK). */
  privateKey: pulumi.Input<string> | undefined;
  /** The droplet's single-use tailnet key (minted for this droplet) and how it joins. */
  tailnet: JoinTailnetInput & { authKey: pulumi.Input<string> };
  /** Staged file name → content (secret), see pushed-files.ts. */
  files: pulumi.Output<Record<string, string>>;
  /** The root script that installs the staged files and restarts or reloads the monitor. */
  deployScript: string;
}

/**
 * The script fed to `bash -s` on the droplet: it writes each staged file from base64 (so no
 * content is ever parsed by the shell) and then runs the deploy script as root. Secrets travel
 * only on stdin, never in a command line.
 */
export function renderPushScript(files: Record<string, string>, deployScript: string): string {
  const encode = (content: string) =>
    Buffer.from(content)
      .toString('base64')
      .replace(/(.{76})/g, '$1\n');
  const writes = Object.entries(files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([name, content]) =>
        `base64 -d > ${shellQuote(`${STAGING_DIR}/${name}`)} <<'STAGED'\n${encode(content)}\nSTAGED`,
    );
  return `set -euo pipefail
umask 077
${writes.join('\n')}
deploy=$(mktemp)
trap 'rm -f "$deploy"' EXIT
base64 -d > "$deploy" <<'STAGED'
${encode(deployScript)}
STAGED
# stdin is this script: the deploy script must not read the rest of it.
sudo bash "$deploy" </dev/null
`;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export class StandbyDeployment extends pulumi.ComponentResource {
  /** The droplet's own public host key (`ssh-ed25519 AAAA…`), pinned by every login after the first two. */
  public readonly hostKey: pulumi.Output<string>;
  /** The standby's stable node ID in the tailnet, printed by the join. */
  public readonly tailnetNodeId: pulumi.Output<string>;

  constructor(name: string, args: StandbyDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('failover-gateway:index:StandbyDeployment', name, {}, opts);

    if (!existsSync(MONITOR_BUNDLE)) {
      throw new pulumi.RunError(`${MONITOR_BUNDLE} is missing: run \`npm run build\` before \`pulumi up\``);
    }
    const bundleHash = sha256(readFileSync(MONITOR_BUNDLE));

    const provisioning: command.types.input.remote.ConnectionArgs = {
      host: args.host,
      hostKey: args.provisioningHostKey,
      user: ADMIN_USER,
      ...(args.privateKey === undefined ? {} : { privateKey: args.privateKey }),
      // A new droplet refuses logins until cloud-init has created the admin user.
      dialErrorLimit: 40,
      perDialTimeout: 15,
    };

    const firstBoot = new command.remote.Command(
      `${name}-first-boot`,
      { connection: provisioning, create: WAIT_FOR_CLOUD_INIT, triggers: [args.dropletId] },
      { parent: this },
    );
    // Once per droplet, after the first boot has configured sshd: from here on, the droplet's own key.
    const rotated = new command.remote.Command(
      `${name}-host-key`,
      { connection: provisioning, create: renderHostKeyRotation(), triggers: [args.dropletId] },
      { parent: this, dependsOn: [firstBoot] },
    );
    // A public key: not secret, even though the connection that read it carries one.
    this.hostKey = pulumi.unsecret(rotated.stdout.apply((key) => key.trim()));
    const connection = { ...provisioning, hostKey: this.hostKey };
    // Once per droplet, the key on stdin; before the push, which starts the monitor that probes
    // the primary over the tailnet.
    const joined = new command.remote.Command(
      `${name}-tailnet-join`,
      {
        connection,
        create: renderJoinTailnetCommand(args.tailnet),
        stdin: pulumi.secret(args.tailnet.authKey),
        triggers: [args.dropletId],
      },
      { parent: this, dependsOn: [rotated] },
    );
    // The node's stable ID (the join's last line): not secret, though the key went in with it.
    this.tailnetNodeId = pulumi.unsecret(joined.stdout.apply((out) => out.trim().split('\n').at(-1) ?? ''));
    // Deleted before the droplet, whose address it uses; on a droplet replacement the old one's.
    tailnetExit(
      `${name}-tailnet-exit`,
      {
        host: args.host,
        hostKey: this.hostKey,
        privateKey: args.privateKey,
        nodeId: this.tailnetNodeId,
        dropletId: args.dropletId,
      },
      { parent: this, dependsOn: [joined] },
    );
    // The step before it, disarmed. A stack deployed with it holds a remote command whose delete
    // logs the droplet out over SSH; left out of the program, the next `pulumi up` would delete
    // it, and so log the running standby out. Declared without a delete and with the same
    // triggers (a new trigger would replace it, running the old delete), that `up` updates it in
    // place, running nothing, and its deletion does nothing from then on.
    new command.remote.Command(
      `${name}-tailnet-leave`,
      { connection, triggers: [args.dropletId] },
      { parent: this, dependsOn: [joined] },
    );

    const pushScript = args.files.apply((files) => renderPushScript(files, args.deployScript));
    // Derived from the secret files, so Pulumi keeps it secret too.
    const filesHash = pushScript.apply(sha256);

    // The bundle travels only when it changed: the deploy script then restarts the monitor, and
    // without it keeps the installed one (and at most reloads the monitor's config in place).
    const bundle = new command.remote.CopyToRemote(
      `${name}-monitor-bundle`,
      {
        connection,
        source: new pulumi.asset.FileAsset(MONITOR_BUNDLE),
        remotePath: `${STAGING_DIR}/${STAGED_FILES.monitorBundle}`,
        triggers: [args.dropletId, bundleHash],
      },
      { parent: this, dependsOn: [rotated] },
    );

    new command.remote.Command(
      `${name}-push`,
      {
        connection,
        create: 'bash -s',
        stdin: pushScript,
        triggers: [args.dropletId, filesHash, bundleHash],
      },
      { parent: this, dependsOn: [bundle, joined] },
    );

    this.registerOutputs({ hostKey: this.hostKey, tailnetNodeId: this.tailnetNodeId });
  }
}
