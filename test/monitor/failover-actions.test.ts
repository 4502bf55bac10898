// What the bundle does around a failover, for real: workspace pull and push-back through a real
// git remote, a failing start retried and notified, a stubborn gateway killed at the deadline.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { isListening } from '../../lab/ports.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import type { Status } from '../../monitor/src/status.js';
import { git, remoteWithClones } from '../git-repos.js';

let lab: MonitorLab;
let hooks: { server: http.Server; url: string; events: string[] };

beforeEach(async () => {
  lab = await MonitorLab.create();
  const events: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      events.push(JSON.parse(body).event);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hooks = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, events };
});

afterEach(async () => {
  await lab.cleanup();
  hooks.server.closeAllConnections();
  hooks.server.close();
});

/** A bare remote, the primary's clone with one commit, and the standby's clone as its workspace. */
const workspaces = () => remoteWithClones(lab.dir, 'primary', 'standby');

describe('around a failover, with the real bundle', () => {
  it('pulls the workspace on promote and pushes what the gateway wrote back on demote', async () => {
    const ws = workspaces();
    writeFileSync(join(ws.primary, 'MEMORY.md'), 'v2 from the primary\n');
    git(ws.primary, 'commit', '-qam', 'v2');
    git(ws.primary, 'push', '-q', 'origin', 'HEAD:main');
    lab.writeConfig(
      { workspace: { path: ws.standby, timeoutSeconds: 5 } },
      { WRITE_FILE: join(ws.standby, 'written-on-standby.md') },
    );
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitFor((l) => l.event === 'workspace-pull', 10_000);
    expect(readFileSync(join(ws.standby, 'MEMORY.md'), 'utf8')).toBe('v2 from the primary\n');
    await m.waitForTransition('active', 10_000);

    await lab.primary.start();
    await m.waitFor((l) => l.event === 'transition' && l.to === 'standby', 10_000);
    git(ws.primary, 'pull', '-q', '--ff-only');
    expect(existsSync(join(ws.primary, 'written-on-standby.md'))).toBe(true);
  });

  it('lands the standby commit on a failover/ branch when the primary pushed meanwhile', async () => {
    const ws = workspaces();
    lab.writeConfig(
      { workspace: { path: ws.standby, timeoutSeconds: 5 }, notify: [{ type: 'webhook', url: hooks.url }] },
      { WRITE_FILE: join(ws.standby, 'standby-notes.md') },
    );
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    writeFileSync(join(ws.primary, 'MEMORY.md'), 'primary kept writing\n');
    git(ws.primary, 'commit', '-qam', 'diverge');
    git(ws.primary, 'push', '-q', 'origin', 'HEAD:main');

    await lab.primary.start();
    const push = await m.waitFor((l) => l.event === 'workspace-push', 10_000);
    expect(push.pushedTo).toMatch(/^failover\//);
    const branch = String(push.pushedTo);
    expect(git(ws.remote, 'show', `${branch}:standby-notes.md`)).toMatch(/written while active/);
    expect(git(ws.remote, 'show', 'main:MEMORY.md')).toBe('primary kept writing');
    await expect.poll(() => hooks.events, { timeout: 5000 }).toContain('sync-diverged');
  });

  it('promotes anyway when the git remote is unreachable, and notifies the failed sync', async () => {
    const ws = workspaces();
    git(ws.standby, 'remote', 'set-url', 'origin', join(lab.dir, 'gone.git'));
    lab.writeConfig({
      workspace: { path: ws.standby, timeoutSeconds: 2 },
      notify: [{ type: 'webhook', url: hooks.url }],
    });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    expect(m.events('sync-failed')[0]).toMatchObject({ what: 'pull' });
    await expect.poll(() => hooks.events, { timeout: 5000 }).toEqual(['promoting', 'sync-failed', 'active']);
  });

  it('fetches while standby, so a promotion with the remote gone starts from the primary’s last push', async () => {
    const ws = workspaces();
    lab.writeConfig(
      { workspace: { path: ws.standby, timeoutSeconds: 2, fetchIntervalSeconds: 0.3 } },
      { WRITE_FILE: join(ws.standby, 'written-on-standby.md') },
    );
    const status = async () => (await (await fetch(`http://${lab.listen}/status`)).json()) as Status;
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    writeFileSync(join(ws.primary, 'MEMORY.md'), 'v2, pushed just before the primary died\n');
    git(ws.primary, 'commit', '-qam', 'v2');
    git(ws.primary, 'push', '-q', 'origin', 'HEAD:main');
    const pushed = git(ws.primary, 'rev-parse', 'HEAD');
    await expect.poll(() => git(ws.standby, 'rev-parse', 'origin/main'), { timeout: 10_000 }).toBe(pushed);
    const pushedAt = new Date(Number(git(ws.primary, 'log', '-1', '--format=%ct')) * 1000).toISOString();
    await expect.poll(async () => (await status()).workspace?.newestCommitAt).toBe(pushedAt);

    // The remote goes with the primary: the promotion's own fetch fails, what was fetched serves.
    renameSync(ws.remote, `${ws.remote}.gone`);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    expect(m.events('sync-failed')).toMatchObject([
      { what: 'pull', error: expect.stringMatching(/serving the copy fetched last/) },
    ]);
    expect(readFileSync(join(ws.standby, 'MEMORY.md'), 'utf8')).toBe(
      'v2, pushed just before the primary died\n',
    );
  });

  it('retries a failed push-back in standby until the remote is back, across a monitor restart', async () => {
    const ws = workspaces();
    lab.writeConfig(
      { workspace: { path: ws.standby, timeoutSeconds: 2 }, notify: [{ type: 'webhook', url: hooks.url }] },
      { WRITE_FILE: join(ws.standby, 'written-on-standby.md') },
    );
    const status = async () => (await (await fetch(`http://${lab.listen}/status`)).json()) as Status;
    const first = lab.startMonitor();
    await first.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await first.waitForTransition('active', 10_000);
    const away = `${ws.remote}.away`;
    renameSync(ws.remote, away);
    await lab.primary.start();
    await first.waitForTransition('standby', 10_000);
    expect(first.events('sync-failed')).toMatchObject([{ what: 'push' }]);
    await first.waitFor((l) => l.event === 'push-retry-failed', 10_000);
    // Retries go on meanwhile (0.4 s, 0.8 s… apart): at least the demotion's and one retry failed.
    const unpushed = (await status()).unpushed;
    expect(unpushed).toMatchObject({ lastError: expect.stringMatching(/remote/) });
    expect(unpushed?.failures).toBeGreaterThanOrEqual(2);
    const metrics = await (await fetch(`http://${lab.listen}/metrics`)).text();
    expect(metrics).toMatch(/^openclaw_failover_workspace_unpushed_failures ([2-9]|\d{2,})$/m);

    // What is waiting is in the state file: a new monitor goes on retrying it.
    await first.stop();
    const second = lab.startMonitor();
    await second.waitFor((l) => l.event === 'started', 5000);
    renameSync(away, ws.remote);
    await second.waitFor((l) => l.event === 'push-retry-landed', 20_000);
    expect(git(ws.remote, 'show', 'main:written-on-standby.md')).toMatch(/written while active/);
    expect((await status()).unpushed).toBeUndefined();
    await expect.poll(() => hooks.events, { timeout: 5000 }).toContain('sync-recovered');
    // The failure was notified once, at the demotion; the retries only logged theirs.
    expect(hooks.events.filter((e) => e === 'sync-failed')).toEqual(['sync-failed']);
  });

  it('DMs the owner through the standby’s own bot when it takes over and when it hands back', async () => {
    const api = await TelegramBotApi.start();
    try {
      const token = '7000002:failover-owner-dm-token-abcdef';
      api.addBot(token, 'standby_bot');
      const tokenFile = join(lab.dir, 'bot-token');
      writeFileSync(tokenFile, `${token}\n`, { mode: 0o640 });
      lab.writeConfig({ notify: [{ type: 'telegram', tokenFile, chatIds: ['4242'], apiRoot: api.apiRoot }] });
      const m = lab.startMonitor();
      await m.waitFor((l) => l.event === 'started', 5000);
      await lab.primary.stop();
      await m.waitForTransition('active', 10_000);
      await lab.primary.start();
      await m.waitForTransition('standby', 10_000);
      await expect
        .poll(() => api.messages(token, 4242).map((msg) => msg.text), { timeout: 5000 })
        .toEqual([
          expect.stringMatching(/the standby gateway is serving$/),
          expect.stringMatching(/the standby bot is off again; watching the primary$/),
        ]);
    } finally {
      await api.close();
    }
  });

  it('retries a failing start with a growing backoff and notifies each failure', async () => {
    lab.writeConfig({
      gateway: {
        manager: 'process',
        command: [process.execPath, '-e', 'process.exit(3)'],
        readyUrl: `http://127.0.0.1:${lab.gatewayPort}/readyz`,
        startTimeoutSeconds: 2,
      },
      notify: [{ type: 'webhook', url: hooks.url }],
    });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    const first = await m.waitFor((l) => l.event === 'start-failed' && l.attempt === 1, 10_000);
    const second = await m.waitFor((l) => l.event === 'start-failed' && l.attempt === 2, 10_000);
    await m.waitFor((l) => l.event === 'start-failed' && l.attempt === 3, 10_000);
    const gap = (a: LogLine, b: LogLine) => Date.parse(String(b.time)) - Date.parse(String(a.time));
    expect(gap(first, second)).toBeGreaterThanOrEqual(150); // 0.1 s × 2^1
    await expect
      .poll(() => hooks.events.filter((e) => e === 'start-failed').length)
      .toBeGreaterThanOrEqual(3);
    expect(m.events('transition').map((t) => t.to)).toEqual(['promoting']);
  });

  it('kills a gateway that ignores SIGTERM at stopTimeoutSeconds', async () => {
    lab.writeConfig({}, { IGNORE_SIGTERM: '1' });
    const config = JSON.parse(readFileSync(lab.configFile, 'utf8'));
    config.gateway.stopTimeoutSeconds = 1;
    writeFileSync(lab.configFile, JSON.stringify(config));
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    await lab.primary.start();
    const stopping = await m.waitFor((l) => l.event === 'gateway-stopping', 10_000);
    const standby = await m.waitFor((l) => l.event === 'transition' && l.to === 'standby', 10_000);
    const stopMs = Date.parse(String(standby.time)) - Date.parse(String(stopping.time));
    expect(stopMs).toBeGreaterThanOrEqual(900);
    expect(stopMs).toBeLessThan(5000);
    expect(await isListening(lab.gatewayPort)).toBe(false);
  });
});
