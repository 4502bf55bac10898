// The droplet stand-in booted from the lab image, either as a system container (systemd-nspawn:
// systemd as PID 1 in ~2 s, sharing this host's kernel) or as a full VM (QEMU under TCG, its own
// kernel: ufw and nftables filter for real, reboots are real). Both get the same NoCloud seed
// (meta-data, user-data and, for the VM, network-config) and the same two links (network.ts).
// Every file of a run lives in its own folder; `destroy()` stops the guest and removes it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { removeFolder } from '../netns.js';
import {
  type DropletNetwork,
  GUEST_IP,
  GUEST_TAILNET_MAC,
  GUEST_WAN_MAC,
  LAB_HOST_IP,
  METADATA_IP,
} from './network.js';

export type GuestKind = 'nspawn' | 'qemu';

export interface Seed {
  instanceId: string;
  hostname: string;
  userData: string;
}

const SEED_DIR = '/var/lib/cloud/seed/nocloud';
const STOP_TIMEOUT_MS = 60_000;

/** NoCloud's network-config for the VM: the internet link by MAC, the metadata route on it. */
function networkConfig(): string {
  return stringify({
    version: 2,
    ethernets: {
      wan: {
        match: { macaddress: GUEST_WAN_MAC },
        'set-name': 'host0',
        addresses: [`${GUEST_IP}/24`],
        // The lab host answers for the metadata address on the same link.
        routes: [{ to: `${METADATA_IP}/32`, via: LAB_HOST_IP }],
      },
    },
  });
}

function metaData(seed: Seed): string {
  return `instance-id: ${seed.instanceId}\nlocal-hostname: ${seed.hostname}\n`;
}

export abstract class Guest {
  readonly dir: string;
  protected process: ChildProcess | undefined;
  protected exited: Promise<void> = Promise.resolve();

  constructor(
    readonly kind: GuestKind,
    readonly image: string,
    readonly network: DropletNetwork,
  ) {
    this.dir = mkdtempSync(join(process.env.FG_LAB_RUN_DIR ?? tmpdir(), `fgdroplet-${process.pid}-`));
  }

  /** Boots the guest (again, after a poweroff, with the same disk). */
  abstract boot(): void;
  protected abstract cleanUp(): void;

  /** What the guest printed while booting (the VM's serial console; the container's console). */
  console(): string {
    try {
      return readFileSync(join(this.dir, 'console.log'), 'utf8');
    } catch {
      return '';
    }
  }

  get running(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  protected start(argv: string[]): void {
    const [command = '', ...args] = argv;
    const log = join(this.dir, 'console.log');
    const child = spawn(
      'bash',
      ['-c', `exec "$@" >>${JSON.stringify(log)} 2>&1`, 'guest', command, ...args],
      {
        stdio: 'ignore',
      },
    );
    this.process = child;
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
  }

  /** Waits for the guest to stop by itself (after a poweroff or reboot inside). */
  async waitForExit(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  /**
   * Stops the guest: nspawn powers the container off in order on SIGTERM, QEMU ends the VM at
   * once (a power cut, which the lab's teardown can afford); killed at the deadline.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.process?.kill('SIGTERM');
    if (!(await this.waitForExit(STOP_TIMEOUT_MS))) {
      this.process?.kill('SIGKILL');
      await this.exited;
    }
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    this.cleanUp();
    removeFolder(this.dir);
  }
}

/** A system container on an overlay of the image's root folder; the container's root is private to the run. */
export class NspawnGuest extends Guest {
  readonly #root: string;
  #mounted = false;

  constructor(image: string, network: DropletNetwork, seed: Seed) {
    super('nspawn', image, network);
    this.#root = join(this.dir, 'root');
    for (const name of ['upper', 'work', 'root']) mkdirSync(join(this.dir, name));
    execFileSync('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${join(image, 'rootfs')},upperdir=${join(this.dir, 'upper')},workdir=${join(this.dir, 'work')}`,
      this.#root,
    ]);
    this.#mounted = true;
    const seedDir = join(this.#root, SEED_DIR);
    mkdirSync(seedDir, { recursive: true });
    writeFileSync(join(seedDir, 'meta-data'), metaData(seed));
    writeFileSync(join(seedDir, 'user-data'), seed.userData, { mode: 0o600 });
    // The container cannot configure its links (network.ts does it from outside); cloud-init
    // would otherwise wait for devices it does not count as physical.
    writeFileSync(
      join(this.#root, 'etc/cloud/cloud.cfg.d/91-lab-container.cfg'),
      'network: {config: disabled}\n',
    );
  }

  boot(): void {
    this.start([
      'systemd-nspawn',
      '--boot',
      `--directory=${this.#root}`,
      `--machine=${this.network.guestNs.slice(-20)}`,
      // This host's PID 1 is not systemd: no machine registration, no scope of its own.
      '--register=no',
      '--keep-unit',
      `--network-namespace-path=/run/netns/${this.network.guestNs}`,
      // Its own namespace, its own firewall: ufw, nftables and the tailscale stand-in need it.
      '--capability=CAP_NET_ADMIN',
      '--console=read-only',
    ]);
  }

  protected cleanUp(): void {
    if (this.#mounted) execFileSync('umount', ['--lazy', this.#root]);
    this.#mounted = false;
  }
}

/** A VM under TCG on a copy-on-write overlay of the image's disk, seeded from a cidata ISO. */
export class QemuGuest extends Guest {
  constructor(image: string, network: DropletNetwork, seed: Seed) {
    super('qemu', image, network);
    const seedDir = join(this.dir, 'seed');
    mkdirSync(seedDir);
    writeFileSync(join(seedDir, 'meta-data'), metaData(seed));
    writeFileSync(join(seedDir, 'user-data'), seed.userData, { mode: 0o600 });
    writeFileSync(join(seedDir, 'network-config'), networkConfig());
    execFileSync('genisoimage', [
      '-quiet',
      '-output',
      join(this.dir, 'seed.iso'),
      '-volid',
      'cidata',
      '-joliet',
      '-rock',
      ...['meta-data', 'user-data', 'network-config'].map((f) => join(seedDir, f)),
    ]);
    rmSync(seedDir, { recursive: true });
    execFileSync('qemu-img', [
      'create',
      '-q',
      '-f',
      'qcow2',
      '-F',
      'raw',
      '-b',
      join(image, 'disk.img'),
      join(this.dir, 'disk.qcow2'),
    ]);
  }

  boot(): void {
    const nic = (id: string, tap: string, mac: string) => [
      '-netdev',
      `tap,id=${id},ifname=${tap},script=no,downscript=no`,
      '-device',
      `virtio-net-pci,netdev=${id},mac=${mac}`,
    ];
    this.start([
      'ip',
      'netns',
      'exec',
      this.network.hostNs,
      'qemu-system-x86_64',
      // /dev/kvm here cannot run a stock guest kernel (this host is itself a VM): TCG only.
      ...['-accel', 'tcg,tb-size=256', '-cpu', 'max', '-smp', '2', '-m', '2048'],
      ...['-display', 'none', '-serial', 'stdio', '-monitor', 'none'],
      ...['-kernel', join(this.image, 'vmlinuz'), '-initrd', join(this.image, 'initrd.img')],
      // cloud-init renders the NoCloud network-config for systemd-networkd (the image has neither
      // netplan nor ifupdown); only the VM runs it: the container's links are set up from outside.
      ...['-append', 'root=/dev/vda rw console=ttyS0 quiet systemd.wants=systemd-networkd.service'],
      ...['-drive', `file=${join(this.dir, 'disk.qcow2')},if=virtio,format=qcow2`],
      ...['-drive', `file=${join(this.dir, 'seed.iso')},if=virtio,format=raw,readonly=on`],
      ...nic('wan', this.network.wanTap, GUEST_WAN_MAC),
      ...nic('ts', this.network.tailnetTap, GUEST_TAILNET_MAC),
    ]);
  }

  protected cleanUp(): void {}
}
