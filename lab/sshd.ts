// A real OpenSSH server on 127.0.0.1, for the SSH half of the tailnet-exit step: its own host key,
// authorized keys and config in a scratch folder, on a port of its own, logging to stderr (what a
// client sent shows in its log). Run as root, as sshd needs for privilege separation.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { newKeyPair } from './droplet/ssh.js';
import { freePort } from './ports.js';

const SSHD = '/usr/sbin/sshd';

export class Sshd {
  /** The user sshd lets in: the one running it. */
  readonly user = userInfo().username;
  #log = '';

  private constructor(
    readonly dir: string,
    readonly port: number,
    /** `ssh-ed25519 AAAA…`: the key it serves. */
    readonly hostKey: string,
    readonly child: ChildProcess,
  ) {
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#log += chunk;
    });
  }

  /** Starts sshd accepting `authorizedKeys` (public key lines) for its user; resolves once it listens. */
  static async start(authorizedKeys: string[]): Promise<Sshd> {
    if (process.getuid?.() !== 0) throw new Error('the sshd stand-in runs as root (privilege separation)');
    // sshd's privilege separation directory, fixed at build time; a system directory, left in place.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const dir = mkdtempSync(join(tmpdir(), 'fg-sshd-'));
    const host = newKeyPair('');
    const hostKeyFile = join(dir, 'host_ed25519');
    writeFileSync(hostKeyFile, host.privateKey, { mode: 0o600 });
    writeFileSync(join(dir, 'authorized_keys'), `${authorizedKeys.join('\n')}\n`, { mode: 0o600 });
    const port = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKeyFile}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AllowUsers ${userInfo().username}`,
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        // The scratch folder is under the shared /tmp.
        'StrictModes no',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const sshd = new Sshd(dir, port, host.publicKey.trim(), child);
    try {
      await sshd.#listening(10_000);
    } catch (err) {
      await sshd.stop();
      throw err;
    }
    return sshd;
  }

  async #listening(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#log.includes(`Server listening on 127.0.0.1 port ${this.port}`)) return;
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`sshd did not listen on 127.0.0.1:${this.port} within ${timeoutMs} ms:\n${this.#log}`);
  }

  /** What sshd logged so far. */
  log(): string {
    return this.#log;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
