// The real OpenSSH client, run on the lab host's side of the link as `pulumi up` runs from the
// user's machine: key-only, batch mode, and the one host key it trusts in its own known_hosts file.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToEnd } from '../run-to-end.js';

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface SshTarget {
  netns: string;
  host: string;
  user: string;
  /** Private key file of the user. */
  identity: string;
  /** The run's known_hosts: the one key the host must present (trustHostKey), nothing else is accepted. */
  knownHosts: string;
}

/** A new ed25519 key pair from ssh-keygen: the private key file's text and the public key line. */
export function newKeyPair(comment: string): { privateKey: string; publicKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lab-key-'));
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', join(dir, 'key')]);
    return {
      privateKey: readFileSync(join(dir, 'key'), 'utf8'),
      publicKey: readFileSync(join(dir, 'key.pub'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** From now on `target` accepts only `hostKey` (`ssh-ed25519 AAAA…`), as a pinned connection.hostKey does. */
export function trustHostKey(target: SshTarget, hostKey: string): void {
  writeFileSync(target.knownHosts, `${target.host} ${hostKey.trim()}\n`, { mode: 0o600 });
}

export function sshOptions(target: SshTarget, extra: string[] = []): string[] {
  return [
    '-F',
    '/dev/null',
    ...['-i', target.identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
    ...['-o', `UserKnownHostsFile=${target.knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', 'HostKeyAlgorithms=ssh-ed25519'],
    ...['-o', 'ConnectTimeout=5', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=6'],
    ...extra,
  ];
}

function run(argv: string[], stdin: string | Buffer | undefined, timeoutMs: number): Promise<SshResult> {
  return runToEnd(argv, { stdin, timeoutMs });
}

/** Runs `command` as the remote user's shell would (as @pulumi/command's remote.Command does). */
export function ssh(
  target: SshTarget,
  command: string,
  options: { stdin?: string; timeoutMs?: number; sourceIp?: string } = {},
): Promise<SshResult> {
  const extra = options.sourceIp === undefined ? [] : ['-b', options.sourceIp];
  return run(
    [
      'ip',
      'netns',
      'exec',
      target.netns,
      'ssh',
      ...sshOptions(target, extra),
      `${target.user}@${target.host}`,
      command,
    ],
    options.stdin,
    options.timeoutMs ?? 120_000,
  );
}

/** Copies a local file to the remote path over SFTP (as remote.CopyToRemote does). */
export function copyTo(
  target: SshTarget,
  local: string,
  remotePath: string,
  timeoutMs = 60_000,
): Promise<SshResult> {
  return run(
    [
      'ip',
      'netns',
      'exec',
      target.netns,
      'scp',
      '-q',
      ...sshOptions(target),
      local,
      `${target.user}@${target.host}:${remotePath}`,
    ],
    undefined,
    timeoutMs,
  );
}

/** Retries until SSH accepts the user's key (sshd up, the user created by cloud-init), bounded. */
export async function waitForSsh(target: SshTarget, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let last: SshResult | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await ssh(target, 'true', { timeoutMs: 10_000 });
    if (last.code === 0) return (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(
    `no SSH login as ${target.user}@${target.host} within ${timeoutMs} ms: ${last?.stderr.trim()}`,
  );
}

export const knownHostsFile = (dir: string) => join(dir, 'known_hosts');
