// Warm standby for real: a real OpenClaw gateway with a real Telegram channel on the lab's Bot API
// and model stand-ins, its channel switched by the monitor's warm manager through the included
// switch file, as on the droplet. Then the built monitor fails over to it. Prints what it measures.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorProcess } from '../../lab/bundle.js';
import { ModelProvider } from '../../lab/model-provider.js';
import { startOpenclaw, waitForReady } from '../../lab/openclaw.js';
import { freePort } from '../../lab/ports.js';
import type { InjectedDm } from '../../lab/telegram-bot.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import { TelegramGateway } from '../../lab/telegram-gateway.js';
import { type MonitorConfigInput, parseConfig } from '../../monitor/src/config.js';
import { createGatewayManager, type GatewayManager } from '../../monitor/src/gateway/manager.js';
import { createLogger } from '../../monitor/src/log.js';

const OWNER = 4242;
const REPLY = 'Warm standby here.';
const STANDBY_BOT = '100003:lab-warm-standby-token-cccccccc';
const GATEWAY_TOKEN = 'lab-gateway-token-warm-0123456789abcdef';

const dir = mkdtempSync(join(tmpdir(), 'e2e-warm-'));
const runDir = join(dir, 'monitor');
const tokenFile = join(dir, 'standby-token');
const switchFile = join(dir, 'switch', 'channel.json');
let api: TelegramBotApi;
let model: ModelProvider;
let gw: TelegramGateway;
let primary: ChildProcess | undefined;
let monitor: MonitorProcess | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const killGroup = (pid: number | undefined) => {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {}
};

/** The monitor's gateway block for the lab's warm standby: its process manager runs the gateway. */
function gatewayInput(stopTimeoutSeconds = 20): MonitorConfigInput['gateway'] {
  return {
    manager: 'process',
    ...gw.command,
    logFile: gw.logPath,
    readyUrl: `http://127.0.0.1:${gw.opts.port}/readyz`,
    startTimeoutSeconds: 120,
    stopTimeoutSeconds,
    standbyMode: 'warm',
    warm: { channel: 'telegram', switchFile, tokenFile },
  };
}

function monitorInput(primaryUrl: string, stopTimeoutSeconds?: number): MonitorConfigInput {
  return {
    primary: { url: primaryUrl, timeoutSeconds: 1 },
    checkIntervalSeconds: 1,
    failThreshold: 3,
    recoverThreshold: 2,
    minActiveSeconds: 2,
    gateway: gatewayInput(stopTimeoutSeconds),
    stateFile: join(runDir, 'state.json'),
  };
}

const logLines: string[] = [];
function warmManager(stopTimeoutSeconds?: number): GatewayManager {
  const config = parseConfig(monitorInput('http://127.0.0.1:9', stopTimeoutSeconds));
  const log = createLogger('info', { write: (line: string) => logLines.push(line) });
  return createGatewayManager(config.gateway, runDir, log);
}

/** The same gateway process, as the cold process manager sees it: what systemd is on the droplet. */
function processManager(): GatewayManager {
  const { standbyMode: _mode, warm: _warm, ...cold } = gatewayInput();
  return createGatewayManager(
    parseConfig({ ...monitorInput('http://127.0.0.1:9'), gateway: cold }).gateway,
    runDir,
  );
}

const standbyPolls = (since: number) =>
  api.calls.filter((c) => c.botId === 100003 && c.method === 'getUpdates' && c.at >= since).length;

beforeAll(async () => {
  api = await TelegramBotApi.start();
  model = await ModelProvider.start(REPLY);
  api.addBot(STANDBY_BOT, 'lab_warm_standby_bot');
  writeFileSync(tokenFile, `${GATEWAY_TOKEN}\n`, { mode: 0o600 });
  gw = new TelegramGateway({
    dir: join(dir, 'standby'),
    port: await freePort(),
    botToken: STANDBY_BOT,
    allowFrom: [OWNER],
    apiRoot: api.apiRoot,
    modelBaseUrl: model.baseUrl,
    channelEnabled: false,
    gatewayToken: GATEWAY_TOKEN,
    channelSwitch: switchFile,
  });
});

afterAll(async () => {
  await monitor?.stop('SIGKILL');
  killGroup(primary?.pid);
  await processManager()
    .stop()
    .catch(() => {});
  await api?.close();
  await model?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('the warm gateway manager against a real OpenClaw gateway', () => {
  it('never polls while standby, answers once promoted, reconciles after a monitor restart, stops polling on demotion', async () => {
    const warm = warmManager();
    expect(await warm.isRunning()).toBe(false);
    // On the droplet systemd runs the gateway from boot; here its process manager does.
    const gateway = processManager();
    await gateway.start();
    const startToReadyMs = await waitForReady(gw.opts.port, 120_000);
    // Started from a vitest worker, it would run in OpenClaw's test mode (silent log, polling
    // config watcher, no gateway lock): not the gateway the droplet runs.
    expect(gatewayEnvironment().filter((v) => /^(VITEST|NODE_ENV=|TEST=)/.test(v))).toEqual([]);
    await sleep(10_000);
    expect(standbyPolls(0)).toBe(0);
    expect(await warm.isRunning()).toBe(false);
    const idleRssMiB = gatewayRssMiB();

    const dm = api.injectDm(STANDBY_BOT, OWNER, 'primary is down, are you there?');
    const promotedAt = Date.now();
    await withGatewayDiagnosis(warm.start());
    const startResolvedMs = Date.now() - promotedAt;
    // start() resolves once the channel runs; its first getUpdates follows getMe, deleteWebhook and setMyCommands.
    const firstPollAt = await api.waitForPoll(STANDBY_BOT, promotedAt, 30_000);
    expect(await warm.isRunning()).toBe(true);
    const reply = await api.waitForReply(STANDBY_BOT, dm, { timeoutMs: 120_000 });
    expect(reply.text).toBe(REPLY);

    // A restarted monitor asks the gateway: the channel runs, so it is active.
    expect(await warmManager().isRunning()).toBe(true);
    const second = api.injectDm(STANDBY_BOT, OWNER, 'and again?');
    const secondReply = await api.waitForReply(STANDBY_BOT, second, { timeoutMs: 60_000 });

    const demotedAt = Date.now();
    await warm.stop();
    const stopResolvedMs = Date.now() - demotedAt;
    const pollsAtStop = api.poller(STANDBY_BOT).polls;
    const late = api.injectDm(STANDBY_BOT, OWNER, 'still there?');
    await sleep(5000);
    expect(api.poller(STANDBY_BOT).polls).toBe(pollsAtStop);
    expect(api.messages(STANDBY_BOT, OWNER).filter((m) => m.messageId > late.messageId)).toEqual([]);
    expect(await warmManager().isRunning()).toBe(false);
    // Still warm: the same gateway process runs on, without its channel.
    expect(await gateway.isRunning()).toBe(true);
    expect(gateway.describe()).toMatch(/pid \d+/);
    console.log(
      JSON.stringify({
        warmManager: {
          gatewayStartToReadyMs: startToReadyMs,
          idleRssMiB,
          promoteToStartResolvedMs: startResolvedMs,
          promoteToFirstPollMs: firstPollAt - promotedAt,
          promoteToFirstDmAnsweredMs: reply.sentAt - promotedAt,
          laterDmAnsweredMs: secondReply.sentAt - second.at,
          demoteToStopResolvedMs: stopResolvedMs,
        },
      }),
    );
  }, 400_000);

  it('restarts the gateway without its channel when the channel does not stop within stopTimeoutSeconds', async () => {
    const gateway = processManager();
    if (!(await gateway.isRunning())) {
      await gateway.start();
      await waitForReady(gw.opts.port, 120_000);
    }
    const pidBefore = gateway.describe();
    await withGatewayDiagnosis(warmManager().start());
    // No channel stops within 10 ms: the fallback must take over.
    const hasty = warmManager(0.01);
    const stopAt = Date.now();
    await hasty.stop();
    const fallbackMs = Date.now() - stopAt;
    expect(logLines.some((l) => JSON.parse(l).event === 'channel-stop-overran')).toBe(true);
    expect(await gateway.isRunning()).toBe(true);
    expect(gateway.describe()).not.toBe(pidBefore);
    await waitForReady(gw.opts.port, 120_000);
    const readyAt = Date.now();
    await sleep(8000);
    expect(standbyPolls(readyAt - 1000)).toBe(0);
    expect(await warmManager().isRunning()).toBe(false);
    console.log(
      JSON.stringify({
        warmFallback: { stopToRelaunchedMs: fallbackMs, relaunchToReadyMs: readyAt - stopAt - fallbackMs },
      }),
    );
  }, 400_000);
});

describe('failover to a warm standby with the built monitor', () => {
  it('kill the primary → the standby bot answers a DM; primary back → the standby bot stops polling', async () => {
    const gateway = processManager();
    if (!(await gateway.isRunning())) await gateway.start();
    await waitForReady(gw.opts.port, 120_000);
    const primaryPort = await freePort();
    primary = startOpenclaw(join(dir, 'primary'), primaryPort);
    await waitForReady(primaryPort, 120_000);

    const configFile = join(dir, 'monitor.json');
    const input = monitorInput(`http://127.0.0.1:${primaryPort}`);
    writeFileSync(
      configFile,
      JSON.stringify({ ...input, status: { listen: `127.0.0.1:${await freePort()}` } }),
    );
    monitor = new MonitorProcess(configFile);
    await monitor.waitFor((l) => l.event === 'started', 15_000);
    expect(monitor.lines.find((l) => l.event === 'monitor-start')).toMatchObject({ gatewayRunning: false });
    const watchFrom = Date.now();
    await sleep(3000);
    expect(monitor.events('transition')).toEqual([]);
    expect(standbyPolls(watchFrom)).toBe(0);

    // The owner DMs the standby bot every 0.5 s from the kill on; the first answer counts.
    const killedAt = Date.now();
    killGroup(primary.pid);
    const dms = [api.injectDm(STANDBY_BOT, OWNER, 'dm 0')];
    const injector = setInterval(() => dms.push(api.injectDm(STANDBY_BOT, OWNER, `dm ${dms.length}`)), 500);
    let firstAnswerAt: number;
    try {
      await monitor.waitForTransition('promoting', 20_000);
      const decisionMs = Date.now() - killedAt;
      await withGatewayDiagnosis(monitor.waitForTransition('active', 120_000));
      const activeMs = Date.now() - killedAt;
      const firstPollAt = await api.waitForPoll(STANDBY_BOT, killedAt, 30_000);
      const first = await api.waitForReply(STANDBY_BOT, dms[0] as InjectedDm, { timeoutMs: 120_000 });
      firstAnswerAt = first.sentAt;
      console.log(
        JSON.stringify({
          warmFailover: {
            thresholds: '1 s x 3',
            killToPromoteDecisionMs: decisionMs,
            killToActiveMs: activeMs,
            killToFirstPollMs: firstPollAt - killedAt,
            killToDmAnsweredMs: firstAnswerAt - killedAt,
            dmsSent: dms.length,
          },
        }),
      );
    } finally {
      clearInterval(injector);
    }
    expect(firstAnswerAt - killedAt).toBeLessThan(90_000);

    const backAt = Date.now();
    primary = startOpenclaw(join(dir, 'primary'), primaryPort);
    await withGatewayDiagnosis(
      monitor.waitFor(
        (l) => l.event === 'transition' && l.from === 'demoting' && l.to === 'standby',
        180_000,
      ),
    );
    const demotedMs = Date.now() - backAt;
    const pollsAtStandby = api.poller(STANDBY_BOT).polls;
    await sleep(5000);
    expect(api.poller(STANDBY_BOT).polls).toBe(pollsAtStandby);
    expect(await gateway.isRunning()).toBe(true);
    console.log(JSON.stringify({ warmFailback: { primaryBackToStandbyMs: demotedMs } }));
  }, 500_000);
});

/**
 * A wait on the monitor that fails says why from the gateway's side too: its channel status now
 * and the end of its own log (the monitor's lines alone stop at "gateway-starting").
 */
async function withGatewayDiagnosis<T>(wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (err) {
    const status = await gw.telegramStatus().then(
      (s) => JSON.stringify(s),
      (e: Error) => `no answer: ${e.message}`,
    );
    (err as Error).message += `\n--- telegram channel status now: ${status}\n${gw.logTail()}`;
    throw err;
  }
}

const gatewayPid = () => Number(JSON.parse(readFileSync(join(runDir, 'gateway.pid'), 'utf8')).pid);

/** Resident memory of the standby gateway's process group, MiB: it leads its group (detached). */
function gatewayRssMiB(): number {
  return gw.rssMiB(gatewayPid());
}

/** The standby gateway's environment, `NAME=value` each, as the kernel has it. */
function gatewayEnvironment(): string[] {
  return readFileSync(`/proc/${gatewayPid()}/environ`, 'utf8').split('\0');
}
