// The credential checks: each against the real thing's interface (the Bot API stand-in's getMe,
// real git over a real sshd, a `tailscale status --json` answer), and what the watch logs and
// notifies: a problem once, its end once, an unknown answer never.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyPair } from '../../lab/droplet/ssh.js';
import { freePort } from '../../lab/ports.js';
import { Sshd } from '../../lab/sshd.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import {
  type Check,
  CREDENTIAL_RECHECK_SECONDS,
  CredentialWatch,
  isGitAuthFailure,
  tailnetKeyCheck,
  telegramTokenCheck,
  type Verdict,
} from '../../monitor/src/credentials.js';
import { createLogger } from '../../monitor/src/log.js';
import { scratchDir } from '../cloud-init/validators.js';

const TOKEN = '4242001:standby-bot-secret-0123456789';
const scratch = scratchDir('credentials');

describe("the standby bot's token", () => {
  let api: TelegramBotApi;
  beforeAll(async () => {
    api = await TelegramBotApi.start();
    api.addBot(TOKEN, 'standby_bot');
  });
  afterAll(() => api.close());

  it('is fine while Telegram takes it, refused once it does not, unknown when Telegram is unreachable', async () => {
    expect(await telegramTokenCheck(api.apiRoot, TOKEN, 5)()).toBeUndefined();
    expect(await telegramTokenCheck(api.apiRoot, '4242001:revoked-secret-0123456789', 5)()).toBe(
      "Telegram refused the standby bot's token (HTTP 401 Unauthorized)",
    );
    await expect(telegramTokenCheck(`http://127.0.0.1:${await freePort()}`, TOKEN, 5)()).rejects.toThrow();
  });
});

describe('the workspace deploy key', () => {
  it('tells a key the git host refuses (real git, real sshd) from a host that is down', async () => {
    const sshd = await Sshd.start([newKeyPair('authorized').publicKey]);
    try {
      const stranger = scratch.write('stranger', newKeyPair('not authorized').privateKey);
      chmodSync(stranger, 0o600);
      const knownHosts = scratch.write('known_hosts', `[127.0.0.1]:${sshd.port} ${sshd.hostKey}\n`);
      const lsRemote = (port: number) =>
        spawnSync('git', ['ls-remote', `ssh://${sshd.user}@127.0.0.1:${port}/srv/workspace.git`], {
          encoding: 'utf8',
          env: {
            ...process.env,
            GIT_SSH_COMMAND: `ssh -F /dev/null -i ${stranger} -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=${knownHosts}`,
          },
        }).stderr;
      const refused = lsRemote(sshd.port);
      expect(refused).toContain('Permission denied (publickey)');
      expect(isGitAuthFailure(refused)).toBe(true);
      const down = lsRemote(await freePort());
      expect(down).toMatch(/Connection refused/);
      expect(isGitAuthFailure(down)).toBe(false);
    } finally {
      await sshd.stop();
    }
  });
});

describe("the standby's Tailscale node key", () => {
  const now = Date.parse('2026-12-07T12:00:00Z') / 1000;
  /** What `tailscale status --json` prints, for a node key expiring at `expiry` (none: never). */
  const tailscale = (name: string, expiry?: string) => {
    const self = expiry === undefined ? {} : { KeyExpiry: expiry };
    const file = scratch.write(
      name,
      `#!/bin/sh\necho '${JSON.stringify({ BackendState: 'Running', Self: self })}'\n`,
    );
    chmodSync(file, 0o755);
    return tailnetKeyCheck(() => now, file);
  };

  it('is fine when it never expires (a tagged node) or expires in more than 14 days', async () => {
    expect(await tailscale('never')()).toBeUndefined();
    expect(await tailscale('later', '2027-01-07T12:00:00Z')()).toBeUndefined();
  });

  it('is a problem from 14 days before it expires, and once it has', async () => {
    expect(await tailscale('soon', '2026-12-10T12:00:00Z')()).toBe(
      "the standby's Tailscale node key expires at 2026-12-10T12:00:00Z, in 3.0 days",
    );
    expect(await tailscale('past', '2026-12-01T00:00:00Z')()).toBe(
      "the standby's Tailscale node key expired at 2026-12-01T00:00:00Z",
    );
  });

  it('is unknown without a tailscale command', async () => {
    await expect(tailnetKeyCheck(() => now, join(scratch.dir, 'no-tailscale'))()).rejects.toThrow(/ENOENT/);
  });
});

describe('the credential watch', () => {
  /** The node key's check never tells, unless a test gives one. */
  const unknown: Check = async () => Promise.reject(new Error('spawn tailscale ENOENT'));
  function watch(tailnetKey = unknown) {
    let now = 1_000_000;
    const logs: { event: string; credential?: string }[] = [];
    const notes: string[] = [];
    const log = createLogger('debug', { write: (l: string) => logs.push(JSON.parse(l)) });
    const w = new CredentialWatch(
      log,
      () => now,
      (event, message) => notes.push(`${event}: ${message}`),
      tailnetKey,
    );
    return { w, logs, notes, advance: (s: number) => (now += s), events: () => logs.map((l) => l.event) };
  }
  const settle = () => new Promise((r) => setTimeout(r, 20));

  it('notifies a refused token once, says when it works again, and checks at most hourly', async () => {
    const { w, notes, events, advance } = watch();
    let verdict: Verdict = 'refused';
    let calls = 0;
    const checks: Check = async () => {
      calls++;
      return verdict;
    };
    w.afterProbe({}, checks);
    await settle();
    w.afterProbe({}, checks);
    await settle();
    expect(calls).toBe(1);
    expect(notes).toEqual([
      expect.stringMatching(
        /^credential-failing: channel-token: refused; the promoted gateway could not answer DMs/,
      ),
    ]);
    expect(Object.keys(w.problems)).toEqual(['channel-token']);
    const since = w.problems['channel-token']?.since;
    verdict = 'refused again';
    advance(CREDENTIAL_RECHECK_SECONDS);
    w.afterProbe({}, checks);
    await settle();
    // Not news again, but status shows the latest word (a node key's days left shrink).
    expect(notes).toHaveLength(1);
    expect(w.problems['channel-token']).toEqual({ since, detail: 'refused again' });
    verdict = undefined;
    advance(CREDENTIAL_RECHECK_SECONDS);
    w.afterProbe({}, checks);
    await settle();
    expect(events().filter((e) => e !== 'credential-check-unknown')).toEqual([
      'credential-failing',
      'credential-recovered',
    ]);
    expect(w.problems).toEqual({});
  });

  it('takes an unknown answer as no verdict', async () => {
    const { w, notes, events } = watch();
    w.afterProbe({}, unknown);
    await settle();
    expect([notes, w.problems]).toEqual([[], {}]);
    expect(events()).toEqual(['credential-check-unknown', 'credential-check-unknown']);
  });

  it("reads the deploy key's refusal from the background fetch, and its end from the next good fetch", () => {
    const { w, notes, events } = watch();
    w.afterProbe({ lastError: 'ssh: connect to host github.com port 22: Connection refused' }, undefined);
    expect(notes).toEqual([]);
    w.afterProbe({ lastError: 'git@github.com: Permission denied (publickey).' }, undefined);
    w.afterProbe({ lastError: 'git@github.com: Permission denied (publickey).' }, undefined);
    expect(notes).toEqual([
      expect.stringMatching(/^credential-failing: workspace-key: git@github.com: Permission denied/),
    ]);
    w.afterProbe({ fetchedAt: 1_000_100 }, undefined);
    expect(events()).toEqual(['credential-failing', 'credential-recovered']);
  });
});
