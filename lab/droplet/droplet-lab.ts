// One standby droplet in the lab, end to end: the stack rendered by the Pulumi program under mocks,
// the lab network and its host-side services, the guest booted from the image with the program's
// user-data, then deployed over real SSH with the program's own command strings and stdin.
// `destroy()` removes every process, namespace, mount and file of the run, also after a failure.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NsProcess } from '../ns-process.js';
import { applyCloudFirewall } from './cloud-firewall.js';
import { Deployment } from './deployment.js';
import { EgressProxy } from './egress-proxy.js';
import { type Guest, type GuestKind, NspawnGuest, QemuGuest } from './guest.js';
import { DIST_PORT, dropletImage, type LabKeyPair, labStack, providerOutputs } from './lab-stack.js';
import { DropletNetwork, GUEST_IP, GUEST_TAILNET_IP, LAB_HOST_IP, METADATA_IP } from './network.js';
import { PublicServices } from './public-services.js';
import {
  knownHostsFile,
  newKeyPair,
  type SshResult,
  type SshTarget,
  ssh,
  trustHostKey,
  waitForSsh,
} from './ssh.js';
import { type RenderedStack, renderStack } from './stack.js';

const LAB_HOST_SCRIPT = fileURLToPath(new URL('./lab-host.ts', import.meta.url));
const EGRESS_PORT = 3128;
const HTTPS_PORT = 443;
const CONTROL_PORT = 8441;
const ADMIN_LOGIN_TIMEOUT_MS = { nspawn: 120_000, qemu: 600_000 };
/** An orderly container shutdown before its reboot: units stop within their own deadlines (a gateway up to 60 s). */
const REBOOT_STOP_TIMEOUT_MS = 180_000;

export interface DropletLabOptions {
  kind: GuestKind;
  /** Stack config on top of the lab's values (strings, as `pulumi config set` stores them). */
  stack?: Record<string, string>;
  /** Called at each milestone with the seconds since the lab was created. */
  onMilestone?: (name: string, seconds: number) => void;
}

export class DropletLab {
  readonly started = performance.now();
  readonly stack: RenderedStack;
  readonly network: DropletNetwork;
  readonly guest: Guest;
  readonly admin: SshTarget;
  readonly milestones: Record<string, number> = {};
  #egress: EgressProxy | undefined;
  #services: PublicServices | undefined;
  #labHost: NsProcess | undefined;
  readonly #deployment: Deployment;

  private constructor(
    readonly options: DropletLabOptions,
    readonly image: string,
    /** The tailnet auth key the mocked provider minted; the control stand-in accepts it once. */
    readonly authKey: string,
    /** The stack's provisioning host key, as the mocked TLS provider made it. */
    readonly provisioningHostKey: LabKeyPair,
    keyFile: string,
    stack: RenderedStack,
    network: DropletNetwork,
    guest: Guest,
  ) {
    this.stack = stack;
    this.network = network;
    this.guest = guest;
    const connection = stack.steps.flatMap((step) => (step.kind === 'local' ? [] : [step.connection]))[0];
    this.admin = {
      netns: network.hostNs,
      host: connection?.host ?? GUEST_IP,
      user: connection?.user ?? '',
      identity: keyFile,
      knownHosts: knownHostsFile(guest.dir),
    };
    trustHostKey(this.admin, connection?.hostKey ?? '');
    this.#deployment = new Deployment(this.admin, (name) => this.milestone(name));
  }

  /** The lab's stack rendered again with `values` changed, as after `pulumi config set`. */
  restack(values: Record<string, string>): RenderedStack {
    return renderStack(
      { ...this.stack.config, ...values },
      providerOutputs(this.authKey, this.provisioningHostKey),
    );
  }

  static async create(options: DropletLabOptions): Promise<DropletLab> {
    const image = dropletImage();
    const network = DropletNetwork.create(options.kind === 'nspawn' ? 'veth' : 'tap');
    let lab: DropletLab | undefined;
    try {
      const adminKey = newKeyPair('lab-admin');
      const provisioningHostKey = newKeyPair('');
      const authKey = `tskey-auth-lab${randomBytes(6).toString('hex')}-${randomBytes(12).toString('hex')}`;
      const stack = renderStack(
        {
          ...labStack(adminKey.publicKey.trim(), adminKey.privateKey, image),
          ...options.stack,
        },
        providerOutputs(authKey, provisioningHostKey),
      );
      const seed = {
        instanceId: `lab-${randomBytes(4).toString('hex')}`,
        hostname: 'droplet',
        userData: stack.userData,
      };
      const guest =
        options.kind === 'nspawn'
          ? new NspawnGuest(image, network, seed)
          : new QemuGuest(image, network, seed);
      const identity = join(guest.dir, 'admin');
      writeFileSync(identity, adminKey.privateKey, { mode: 0o600 });
      lab = new DropletLab(options, image, authKey, provisioningHostKey, identity, stack, network, guest);
      // In force before the guest's first packet, as the real one is (the droplet carries its tag).
      lab.applyFirewall();
      await lab.#startHostSide();
      return lab;
    } catch (err) {
      if (lab) await lab.destroy();
      else network.destroy();
      throw err;
    }
  }

  /** Seconds since the lab was created. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  milestone(name: string): void {
    const seconds = this.elapsed();
    this.milestones[name] = seconds;
    this.options.onMilestone?.(name, seconds);
  }

  async #startHostSide(): Promise<void> {
    const socket = join(this.guest.dir, 'egress.sock');
    const front = join(this.guest.dir, 'https.sock');
    this.#services = await PublicServices.start(this.guest.dir, front);
    this.#egress = await EgressProxy.start(socket, this.#services.tunnels());
    const channelToken = this.stack.config.channelToken;
    if (channelToken !== undefined) this.#services.botApi.addBot(channelToken, 'lab_standby_bot');
    const config = {
      relays: [
        { name: 'egress', host: LAB_HOST_IP, port: EGRESS_PORT, socket },
        { name: 'https', host: LAB_HOST_IP, port: HTTPS_PORT, socket: front },
      ],
      dist: { host: LAB_HOST_IP, port: DIST_PORT, root: join(this.image, 'node-dist') },
      metadata: { host: METADATA_IP, port: 80, userData: this.stack.userData },
      control: { host: LAB_HOST_IP, port: CONTROL_PORT, authKeys: [this.authKey], address: GUEST_TAILNET_IP },
    };
    this.#labHost = new NsProcess(this.network.hostNs, [
      process.execPath,
      LAB_HOST_SCRIPT,
      JSON.stringify(config),
    ]);
    await this.#labHost.waitFor((l) => l.event === 'ready', 10_000);
  }

  get labHost(): NsProcess {
    if (!this.#labHost) throw new Error('the lab host is not running');
    return this.#labHost;
  }

  /** The Telegram Bot API and model stand-ins the droplet reaches by name. */
  get services(): PublicServices {
    if (!this.#services) throw new Error('the public services are not running');
    return this.#services;
  }

  get egress(): EgressProxy {
    if (!this.#egress) throw new Error('the egress proxy is not running');
    return this.#egress;
  }

  /**
   * Boots the guest and waits until the admin user can log in (cloud-init created it), then points
   * the names of the services it calls at the lab (public-services.ts) before anything calls them.
   */
  async boot(): Promise<void> {
    this.guest.boot();
    await waitForSsh(this.admin, ADMIN_LOGIN_TIMEOUT_MS[this.guest.kind]);
    this.milestone('ssh');
    const setup = await this.ssh('sudo bash -s', {
      stdin: this.services.guestSetup(`http://${LAB_HOST_IP}:${EGRESS_PORT}`),
      timeoutMs: 60_000,
    });
    if (setup.code !== 0) throw new Error(`the guest's lab set-up failed: ${setup.stderr}`);
  }

  /**
   * Reboots the guest from inside (`systemctl reboot`, as an operator would) and waits until it is
   * back with a new boot id (nspawn gives each container boot its own) and the admin can log in
   * again. QEMU resets the VM in-process.
   */
  async reboot(): Promise<void> {
    const bootId = () => this.root('cat /proc/sys/kernel/random/boot_id', 20_000).then((id) => id.trim());
    const before = await bootId();
    await this.ssh('sudo systemctl reboot', { timeoutMs: 20_000 });
    if (this.guest.kind === 'nspawn') {
      // systemd-nspawn ends when its container reboots (exit 133); whoever runs it boots it
      // again, as systemd-nspawn@.service does, on the same disk and namespaces.
      if (!(await this.guest.waitForExit(REBOOT_STOP_TIMEOUT_MS))) {
        throw new Error('the container did not stop for its reboot');
      }
      this.guest.boot();
    }
    const deadline = performance.now() + ADMIN_LOGIN_TIMEOUT_MS[this.guest.kind];
    while (performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      const now = await bootId().catch(() => before);
      if (now !== before) {
        this.milestone('rebooted');
        return;
      }
    }
    throw new Error('the guest did not come back from a reboot in time');
  }

  /** The stack's cloud firewall in force at the edge of the link, as its resource says (an update in place). */
  applyFirewall(stack: RenderedStack = this.stack): void {
    const firewall = stack.resources.find((r) => r.type === 'digitalocean:index/firewall:Firewall');
    if (firewall === undefined) throw new Error('the program made no cloud firewall');
    applyCloudFirewall(this.network.hostNs, firewall, this.network.wanDevice);
  }

  /** `pulumi up` of `stack`: the cloud firewall first (the droplet depends on it), then the deployment's steps. */
  async deploy(stack: RenderedStack = this.stack): Promise<void> {
    this.applyFirewall(stack);
    await this.#deployment.up(stack);
  }

  /** `pulumi destroy`'s delete commands, in reverse order, before the droplet goes. */
  undeploy(): Promise<SshResult[]> {
    return this.#deployment.destroy(this.stack, this.network.hostNs);
  }

  /** A command as the admin user over SSH, from the lab host (169.254.77.1) unless `sourceIp`. */
  ssh(
    command: string,
    options: { stdin?: string; timeoutMs?: number; sourceIp?: string } = {},
  ): Promise<SshResult> {
    return ssh(this.admin, command, options);
  }

  /** A command on the lab host's side of the link (the primary's and the SSH client's namespace). */
  labHostCommand(argv: string[], timeoutMs = 30_000): Promise<SshResult> {
    return new Promise((resolve) => {
      execFile(
        'ip',
        ['netns', 'exec', this.network.hostNs, ...argv],
        { timeout: timeoutMs },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** A command as root on the droplet (through the admin's sudo), failing loudly. */
  async root(command: string, timeoutMs = 120_000): Promise<string> {
    const result = await this.ssh(`sudo bash -c ${JSON.stringify(command)}`, { timeoutMs });
    if (result.code !== 0)
      throw new Error(`\`${command}\` failed (${result.code}): ${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  /** Everything worth reading when a scenario fails: boot console, cloud-init, the units' journals. */
  async diagnostics(): Promise<string> {
    const journal = await this.ssh(
      'sudo cloud-init status --long; sudo tail -n 60 /var/log/cloud-init-output.log; sudo journalctl --no-pager -n 80 -u openclaw-failover -u openclaw',
      { timeoutMs: 30_000 },
    ).catch((err: Error) => ({ stdout: '', stderr: err.message }));
    return `--- console\n${this.guest.console().slice(-4000)}\n--- guest\n${journal.stdout}${journal.stderr}\n--- lab host\n${this.#labHost?.output ?? ''}\n--- public services\n${this.#services?.summary() ?? ''}`;
  }

  writeFile(name: string, content: string): string {
    const file = join(this.guest.dir, name);
    writeFileSync(file, content, { mode: 0o600 });
    return file;
  }

  async destroy(): Promise<void> {
    await this.guest.destroy().catch(() => undefined);
    await this.#labHost?.kill();
    await this.#egress?.stop();
    await this.#services?.stop();
    this.network.destroy();
  }
}
