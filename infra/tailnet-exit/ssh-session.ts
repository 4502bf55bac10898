// One command on the droplet over a verified SSH session, with the OpenSSH client: the host must
// present the pinned key (its own known_hosts file, StrictHostKeyChecking), or ssh stops after the
// key exchange, before it names the user, offers a key or sends the command. The session must be
// up within a bound: a dead droplet costs seconds, not the minutes of a default connect timeout.
// What the outcome means is the caller's: the command ran (its exit code), the login was refused
// by the verified host, or no verified session could be made.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** `<type> <base64>`, the one host key accepted. */
  hostKey: string;
  /** OpenSSH private key file text; undefined: the ssh-agent and the default identities. */
  privateKey: string | undefined;
}

export type SessionOutcome =
  /** The command ran on the droplet; its stdout went to `out`, its stderr is in `stderr`. */
  | { kind: 'ran'; code: number; stderr: string }
  /** The host proved it is the droplet, but refused the login (no key it accepts). */
  | { kind: 'login-failed'; detail: string }
  /** No session with the pinned host: unreachable, too slow, or another host key. */
  | { kind: 'unverified'; reason: string };

/** ssh's own attempts: 3 connects of at most 5 s, 1 s apart (OpenSSH's spacing). */
const CONNECT_TIMEOUT_SECONDS = 5;
const CONNECTION_ATTEMPTS = 3;
/** Past ssh's own attempts: a session not up by then is given up, whatever ssh is waiting for. */
export const SESSION_BUDGET_MS = 20_000;

/** The host key is filed under this name, whatever the address and port. */
const HOST_ALIAS = 'droplet';

function sshArguments(target: SshTarget, dir: string, keyFile: string | undefined): string[] {
  const keyType = target.hostKey.trim().split(/\s+/)[0] ?? '';
  const options = {
    // No user or system config: nothing there can loosen what follows.
    UserKnownHostsFile: join(dir, 'known_hosts'),
    GlobalKnownHostsFile: '/dev/null',
    HostKeyAlias: HOST_ALIAS,
    HostKeyAlgorithms: keyType,
    StrictHostKeyChecking: 'yes',
    UpdateHostKeys: 'no',
    CheckHostIP: 'no',
    BatchMode: 'yes',
    PreferredAuthentications: 'publickey',
    ConnectTimeout: String(CONNECT_TIMEOUT_SECONDS),
    ConnectionAttempts: String(CONNECTION_ATTEMPTS),
    // A session that dies while the command runs ends within 15 s.
    ServerAliveInterval: '5',
    ServerAliveCountMax: '3',
    LogLevel: 'ERROR',
    ...(keyFile === undefined ? {} : { IdentitiesOnly: 'yes' }),
  };
  return [
    '-F',
    '/dev/null',
    '-T',
    ...Object.entries(options).flatMap(([key, value]) => ['-o', `${key}=${value}`]),
    ...(keyFile === undefined ? [] : ['-i', keyFile]),
    '-p',
    String(target.port),
    '-l',
    target.user,
    '--',
    target.host,
  ];
}

/** ssh's messages for a login refused: they come only after the host key was verified. */
const LOGIN_FAILED = /Permission denied|Too many authentication failures|No more authentication methods/i;
const WRONG_HOST_KEY =
  /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|no matching host key type/i;

/** ssh's messages on one line (LogLevel ERROR keeps them few). */
function oneLine(text: string): string {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === 0 ? 'ssh said nothing' : lines.join('; ');
}

/**
 * Runs `command` as `target.user` on `target.host`. The remote shell first prints a marker of
 * this run: seeing it is what says the session was made (ssh exits 255 for its own failures and
 * for a command that does). The command's stdout (without the marker) is copied to `out`.
 */
export async function runOverSsh(
  target: SshTarget,
  command: string,
  out: NodeJS.WritableStream,
  budgetMs = SESSION_BUDGET_MS,
): Promise<SessionOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'fg-tailnet-exit-'));
  try {
    writeFileSync(join(dir, 'known_hosts'), `${HOST_ALIAS} ${target.hostKey.trim()}\n`, { mode: 0o600 });
    let keyFile: string | undefined;
    if (target.privateKey !== undefined) {
      keyFile = join(dir, 'identity');
      // OpenSSH refuses a key file without its final newline.
      writeFileSync(keyFile, `${target.privateKey.trimEnd()}\n`, { mode: 0o600 });
    }
    const marker = `fg-session-${randomBytes(8).toString('hex')}`;
    return await session(sshArguments(target, dir, keyFile), `printf '%s\\n' ${marker}; ${command}`, {
      marker,
      out,
      budgetMs,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function session(
  args: string[],
  remote: string,
  { marker, out, budgetMs }: { marker: string; out: NodeJS.WritableStream; budgetMs: number },
): Promise<SessionOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...args, remote], { stdio: ['ignore', 'pipe', 'pipe'] });
    let opened = false;
    let pending = '';
    let stderr = '';
    const watchdog = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (opened) return void out.write(chunk);
      pending += chunk;
      const at = pending.indexOf(`${marker}\n`);
      if (at === -1) return;
      opened = true;
      clearTimeout(watchdog);
      out.write(pending.slice(at + marker.length + 1));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(watchdog);
      reject(
        err.code === 'ENOENT'
          ? new Error(
              'the OpenSSH client (ssh) is not installed here: install it and run pulumi destroy again',
            )
          : err,
      );
    });
    child.on('close', (code) => {
      clearTimeout(watchdog);
      // Without the marker, only ssh's own failures exit 255; any other code came from the droplet.
      if (opened || (code !== null && code !== 255)) return resolve({ kind: 'ran', code: code ?? 1, stderr });
      if (code === null)
        return resolve({ kind: 'unverified', reason: `no session within ${budgetMs / 1000} s` });
      if (WRONG_HOST_KEY.test(stderr)) {
        return resolve({
          kind: 'unverified',
          reason: 'it presented a host key other than the droplet’s pinned one, so nothing was sent to it',
        });
      }
      if (LOGIN_FAILED.test(stderr)) return resolve({ kind: 'login-failed', detail: oneLine(stderr) });
      resolve({ kind: 'unverified', reason: oneLine(stderr) });
    });
  });
}
