// Two network namespaces joined by a veth pair: the primary's host and the standby's host, with
// nothing else on the link. Faults are real kernel behaviour: nftables drops packets (the kernel
// has no netem), `ip link set down` cuts the link. Names carry the creating process's pid, so
// parallel runs never clash and a later run can remove what a crashed one left behind.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'fgchaos';
/** Link-local, as docs/platform-facts.md asks (never 169.254.169.254); each pair has its own namespaces, so every run can use the same two. */
export const PRIMARY_IP = '169.254.77.1';
export const STANDBY_IP = '169.254.77.2';
/**
 * A witness of the standby's self-check (monitor/src/witnesses.ts), on a second link between the
 * two namespaces: another path than the primary's, as a host elsewhere on the internet is.
 */
export const WITNESS_IP = '169.254.77.6';
const WITNESS_STANDBY_IP = '169.254.77.5';
const PRIMARY_LINK = 'primary0';
const STANDBY_LINK = 'standby0';
const WITNESS_LINK = 'witness0';
const STANDBY_WITNESS_LINK = 'standbyw0';
const LOSS_TABLE = 'chaos_loss';

export function sh(command: string, args: string[], input?: string): string {
  return execFileSync(command, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Fails loudly instead of skipping: the chaos suite is worthless if it silently does not run. */
export function requireNetns(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the chaos suite needs root (network namespaces, nftables): run it as root, as CI does');
  }
  for (const [tool, args] of [
    ['ip', ['netns', 'list']],
    ['nft', ['--version']],
    ['git', ['--version']],
  ] as const) {
    const probe = spawnSync(tool, args, { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `the chaos suite needs \`${tool} ${args.join(' ')}\` to work: ${probe.error ?? probe.stderr}`,
      );
    }
  }
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** Kills every process inside a namespace (all of them were started there by a test), then deletes it. */
export function removeNamespace(name: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  spawnSync('ip', ['netns', 'del', name]);
}

/** Namespaces and folders of runs whose process is gone: a crashed run never got to its cleanup. */
export function removeLeftovers(prefix = PREFIX): void {
  const owner = new RegExp(`^${prefix}-(\\d+)-`);
  const namespaces = sh('ip', ['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '');
  for (const name of namespaces) {
    const pid = owner.exec(name)?.[1];
    if (pid && !alive(Number(pid))) removeNamespace(name);
  }
  for (const entry of readdirSync(tmpdir())) {
    const pid = owner.exec(entry)?.[1];
    if (pid && !alive(Number(pid))) removeFolder(join(tmpdir(), entry));
  }
}

/** Removes a run's folder, first unmounting what a run mounted inside it (a guest's overlay root). */
export function removeFolder(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`));
  for (const point of mounts.reverse()) spawnSync('umount', ['--lazy', point]);
  rmSync(dir, { recursive: true, force: true });
}

export class NetnsPair {
  /** A private folder for this pair's files, removed with it. */
  readonly dir: string;

  private constructor(
    readonly primaryNs: string,
    readonly standbyNs: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `${primaryNs.replace(/-p$/, '')}-`));
  }

  static create(): NetnsPair {
    removeLeftovers();
    const id = `${PREFIX}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const pair = new NetnsPair(`${id}-p`, `${id}-s`);
    try {
      sh('ip', ['netns', 'add', pair.primaryNs]);
      sh('ip', ['netns', 'add', pair.standbyNs]);
      // Created directly inside the namespaces: no interface ever appears in the host's namespace.
      sh('ip', [
        'link',
        'add',
        PRIMARY_LINK,
        'netns',
        pair.primaryNs,
        'type',
        'veth',
        'peer',
        'name',
        STANDBY_LINK,
        'netns',
        pair.standbyNs,
      ]);
      for (const [ns, link, ip] of [
        [pair.primaryNs, PRIMARY_LINK, PRIMARY_IP],
        [pair.standbyNs, STANDBY_LINK, STANDBY_IP],
      ] as const) {
        sh('ip', ['-n', ns, 'addr', 'add', `${ip}/30`, 'dev', link]);
        sh('ip', ['-n', ns, 'link', 'set', link, 'up']);
        sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      }
    } catch (err) {
      pair.destroy();
      throw err;
    }
    return pair;
  }

  /** The witness's link: its own veth pair, WITNESS_IP at the primary namespace's end. */
  addWitnessLink(): void {
    const [primaryNs, standbyNs] = [this.primaryNs, this.standbyNs];
    sh('ip', [
      'link',
      'add',
      WITNESS_LINK,
      'netns',
      primaryNs,
      'type',
      'veth',
      'peer',
      'name',
      STANDBY_WITNESS_LINK,
      'netns',
      standbyNs,
    ]);
    for (const [ns, link, ip] of [
      [primaryNs, WITNESS_LINK, WITNESS_IP],
      [standbyNs, STANDBY_WITNESS_LINK, WITNESS_STANDBY_IP],
    ] as const) {
      sh('ip', ['-n', ns, 'addr', 'add', `${ip}/30`, 'dev', link]);
      sh('ip', ['-n', ns, 'link', 'set', link, 'up']);
    }
  }

  /** The standby's own ends go down: it is the one cut off, from the primary and the witness alike. */
  isolateStandby(up = false): void {
    for (const link of [STANDBY_LINK, STANDBY_WITNESS_LINK])
      sh('ip', ['-n', this.standbyNs, 'link', 'set', link, up ? 'up' : 'down']);
  }

  /** Drops `percent` % of the packets crossing the link, in each direction, at the primary's end. */
  setLoss(percent: number): void {
    const drop = `numgen random mod 100 < ${Math.round(percent)} drop`;
    sh(
      'ip',
      ['netns', 'exec', this.primaryNs, 'nft', '-f', '-'],
      `add table inet ${LOSS_TABLE}
delete table inet ${LOSS_TABLE}
table inet ${LOSS_TABLE} {
  chain inbound { type filter hook input priority 0; iifname "${PRIMARY_LINK}" ${drop}; }
  chain outbound { type filter hook output priority 0; oifname "${PRIMARY_LINK}" ${drop}; }
}
`,
    );
  }

  clearLoss(): void {
    sh(
      'ip',
      ['netns', 'exec', this.primaryNs, 'nft', '-f', '-'],
      `add table inet ${LOSS_TABLE}\ndelete table inet ${LOSS_TABLE}\n`,
    );
  }

  /** The primary's end of the link goes down: its packets vanish, as when its network fails. */
  partition(): void {
    sh('ip', ['-n', this.primaryNs, 'link', 'set', PRIMARY_LINK, 'down']);
  }

  heal(): void {
    sh('ip', ['-n', this.primaryNs, 'link', 'set', PRIMARY_LINK, 'up']);
  }

  /** Kills what runs in the namespaces, deletes them (the veth pair goes with them) and the folder. */
  destroy(): void {
    removeNamespace(this.primaryNs);
    removeNamespace(this.standbyNs);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
