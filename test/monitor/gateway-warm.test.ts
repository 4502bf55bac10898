// The warm manager's decisions at the edges a real gateway rarely shows on demand: a stand-in for
// the admin RPC on loopback (a real HTTP server) and a gateway process that is up or down. The
// real OpenClaw gateway is test/e2e/warm-standby.test.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../monitor/src/config.js';
import type { GatewayManager } from '../../monitor/src/gateway/manager.js';
import { WarmGatewayManager } from '../../monitor/src/gateway/warm.js';

const TOKEN = 'warm-test-token-0123456789abcdef0123';
let dir: string;
let server: http.Server;
/** What the stand-in answers to channels.status; undefined: the connection is dropped. */
let answer: { status: number; body: unknown } | undefined;
const requests: { auth?: string; method: string }[] = [];

class FakeProcess implements GatewayManager {
  running = true;
  starts = 0;
  async start() {
    this.starts++;
    this.running = true;
  }
  async stop() {
    this.running = false;
  }
  async isRunning() {
    return this.running;
  }
  describe() {
    return 'fake gateway process';
  }
}

const account = (enabled: boolean, running: boolean) => ({
  status: 200,
  body: {
    ok: true,
    payload: {
      channels: {},
      channelAccounts: { telegram: [{ enabled, running, connected: running, lastError: null }] },
    },
  },
});

function manager(
  process: FakeProcess,
  overrides: { stopTimeoutSeconds?: number; startTimeoutSeconds?: number } = {},
) {
  const port = (server.address() as AddressInfo).port;
  const { gateway } = parseConfig({
    primary: { url: 'http://127.0.0.1:9' },
    gateway: {
      manager: 'systemd',
      unit: 'openclaw.service',
      readyUrl: `http://127.0.0.1:${port}/readyz`,
      startTimeoutSeconds: overrides.startTimeoutSeconds ?? 2,
      stopTimeoutSeconds: overrides.stopTimeoutSeconds ?? 2,
      standbyMode: 'warm',
      warm: { channel: 'telegram', switchFile: join(dir, 'channel.json'), tokenFile: join(dir, 'token') },
    },
    stateFile: join(dir, 'state.json'),
  });
  if (!gateway.warm) throw new Error('the warm block was not parsed');
  return new WarmGatewayManager(gateway, gateway.warm, process);
}

const switchSays = async () => JSON.parse(await readFile(join(dir, 'channel.json'), 'utf8')) as unknown;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      requests.push({
        auth: req.headers.authorization,
        method: (JSON.parse(body) as { method: string }).method,
      });
      if (answer === undefined) return req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-warm-'));
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  await writeFile(join(dir, 'channel.json'), '{"enabled":false}\n');
  requests.length = 0;
  return () => rm(dir, { recursive: true, force: true });
});

describe('warm gateway manager', () => {
  it('asks the gateway with its token: running only when the channel account runs', async () => {
    const warm = manager(new FakeProcess());
    answer = { status: 200, body: { ok: true, payload: { channels: {}, channelAccounts: {} } } };
    expect(await warm.isRunning()).toBe(false);
    answer = account(true, true);
    expect(await warm.isRunning()).toBe(true);
    expect(requests.at(-1)).toEqual({ auth: `Bearer ${TOKEN}`, method: 'channels.status' });
  });

  it('counts a channel switched off but still stopping as running: a restarted monitor then demotes it', async () => {
    answer = account(false, true);
    expect(await manager(new FakeProcess()).isRunning()).toBe(true);
  });

  it('with no answer from a running process, goes by the switch (the process serves what it says)', async () => {
    const warm = manager(new FakeProcess());
    // Dropped connections, and a starting gateway's 503 "Plugin runtime is starting".
    for (const noAnswer of [undefined, { status: 503, body: 'Plugin runtime is starting' }]) {
      answer = noAnswer;
      await writeFile(join(dir, 'channel.json'), '{"enabled":false}\n');
      expect(await warm.isRunning()).toBe(false);
      await writeFile(join(dir, 'channel.json'), '{"enabled":true}\n');
      expect(await warm.isRunning()).toBe(true);
    }
  });

  it('with the process gone, is not running and turns the switch off, so the process comes back without the channel', async () => {
    await writeFile(join(dir, 'channel.json'), '{"enabled":true}\n');
    const process = new FakeProcess();
    process.running = false;
    expect(await manager(process).isRunning()).toBe(false);
    expect(await switchSays()).toEqual({ enabled: false });
    expect(requests).toEqual([]);
  });

  it('throws, naming the answer, on a wrong token or a gateway without the admin RPC', async () => {
    answer = { status: 401, body: { error: 'unauthorized' } };
    await expect(manager(new FakeProcess()).isRunning()).rejects.toThrow(
      /channels\.status at .* answered HTTP 401/,
    );
    answer = { status: 200, body: '<html>' };
    await expect(manager(new FakeProcess()).isRunning()).rejects.toThrow(
      /did not answer \{ok: true, payload\}/,
    );
  });

  it('start switches the channel on, starts a stopped process first, restarts one that missed the switch, and fails on the deadline naming the last status', async () => {
    const process = new FakeProcess();
    process.running = false;
    // Still off in the gateway's running config after a third of the start budget: once restarted.
    answer = account(false, false);
    await expect(manager(process, { startTimeoutSeconds: 3 }).start()).rejects.toThrow(
      /not running 3 s after it was switched on \(last: enabled false, running false/,
    );
    expect(process.starts).toBe(2);
    expect(await switchSays()).toEqual({ enabled: true });
    answer = account(true, true);
    await manager(process).start();
  });

  it("a start that times out names the gateway's own diagnosis: a channel reload it is holding back", async () => {
    answer = {
      status: 200,
      body: {
        ok: true,
        payload: {
          channels: {},
          channelAccounts: {},
          statusIssues: [
            { channel: 'discord', message: 'not this one' },
            {
              channel: 'telegram',
              kind: 'config',
              message: 'Channel reload is deferred while active work finishes.',
            },
          ],
        },
      },
    };
    await expect(manager(new FakeProcess(), { startTimeoutSeconds: 0.5 }).start()).rejects.toThrow(
      /\(last: channel not loaded; gateway says: Channel reload is deferred while active work finishes\.\)$/,
    );
  });

  it('stop switches the channel off and returns once it stayed stopped, without touching the process', async () => {
    await writeFile(join(dir, 'channel.json'), '{"enabled":true}\n');
    const process = new FakeProcess();
    answer = account(false, false);
    const started = performance.now();
    await manager(process).stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await switchSays()).toEqual({ enabled: false });
    expect(process.running).toBe(true);
    expect(process.starts).toBe(0);
  });

  it('stop restarts the process when the channel keeps running past stopTimeoutSeconds', async () => {
    const process = new FakeProcess();
    answer = account(false, true);
    await manager(process, { stopTimeoutSeconds: 0.3 }).stop();
    expect(process.starts).toBe(1);
    expect(process.running).toBe(true);
    expect(await switchSays()).toEqual({ enabled: false });
  });
});
