// The duplicate-bot guard for real: a real OpenClaw primary misconfigured with the standby's own
// Telegram bot, a real warm standby gateway with the same bot, the built monitor, the lab's Bot
// API and model stand-ins. With the primary's token configured, the monitor finds the bot on the
// primary (channels.status with probe), says so at once, and refuses a drill's promotion; without
// it, the promoted channel meets Telegram's 409 Conflict and the monitor raises that.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogLine, MonitorProcess, runCli } from '../../lab/bundle.js';
import { ModelProvider } from '../../lab/model-provider.js';
import { freePort } from '../../lab/ports.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import { TelegramGateway } from '../../lab/telegram-gateway.js';
import { type MonitorConfigInput, parseConfig } from '../../monitor/src/config.js';
import { createGatewayManager, type GatewayManager } from '../../monitor/src/gateway/manager.js';
import { PrimaryGuard } from '../../monitor/src/primary-guard.js';

const OWNER = 4242;
const STANDBY_BOT_ID = '100007';
const STANDBY_BOT = `${STANDBY_BOT_ID}:lab-standby-bot-token-dddddddd`;
const PRIMARY_GATEWAY_TOKEN = 'lab-primary-gateway-token-0123456789abcdef';
const STANDBY_GATEWAY_TOKEN = 'lab-standby-gateway-token-0123456789abcdef';

const dir = mkdtempSync(join(tmpdir(), 'e2e-duplicate-bot-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  return path;
};
const primaryTokenFile = file('primary-token', PRIMARY_GATEWAY_TOKEN);
const standbyTokenFile = file('standby-token', STANDBY_GATEWAY_TOKEN);
const botTokenFile = file('bot-token', STANDBY_BOT);
const switchFile = join(dir, 'switch', 'channel.json');
// Both monitors run the standby gateway from here (its pid file): the one the test started first.
const runDir = join(dir, 'monitor');
let api: TelegramBotApi;
let model: ModelProvider;
let primary: TelegramGateway;
let standby: TelegramGateway;
let standbyProcess: GatewayManager;
/** Every monitor started, so that a failed test leaves none behind. */
const monitors: MonitorProcess[] = [];

function gateway(name: string, port: number, token: string, gatewayToken: string, channelSwitch?: string) {
  return new TelegramGateway({
    dir: join(dir, name),
    port,
    botToken: token,
    allowFrom: [OWNER],
    apiRoot: api.apiRoot,
    modelBaseUrl: model.baseUrl,
    channelEnabled: channelSwitch === undefined,
    gatewayToken,
    ...(channelSwitch === undefined ? {} : { channelSwitch }),
  });
}

/** The monitor's gateway block: its process manager runs the warm standby gateway. */
function standbyGateway(): MonitorConfigInput['gateway'] {
  return {
    manager: 'process',
    ...standby.command,
    logFile: standby.logPath,
    readyUrl: `http://127.0.0.1:${standby.opts.port}/readyz`,
    startTimeoutSeconds: 120,
    stopTimeoutSeconds: 20,
    standbyMode: 'warm',
    warm: { channel: 'telegram', switchFile, tokenFile: standbyTokenFile },
  };
}

/** The monitor's config on the warm standby, with or without the guard (the primary's token and the bot id). */
async function writeConfig(
  name: string,
  bot: string | undefined,
): Promise<{ configFile: string; listen: string }> {
  const listen = `127.0.0.1:${await freePort()}`;
  const input: MonitorConfigInput = {
    primary: {
      url: `http://127.0.0.1:${primary.opts.port}`,
      timeoutSeconds: 2,
      ...(bot === undefined ? {} : { tokenFile: primaryTokenFile }),
    },
    checkIntervalSeconds: 1,
    gateway: standbyGateway(),
    ...(bot === undefined ? {} : { standbyBot: { channel: 'telegram', id: bot } }),
    stateFile: join(runDir, `${name}-state.json`),
    status: { listen },
    notify: [{ type: 'telegram', tokenFile: botTokenFile, chatIds: [String(OWNER)], apiRoot: api.apiRoot }],
  };
  return { configFile: file(`${name}.json`, JSON.stringify(input)), listen };
}

async function startMonitor(
  name: string,
  guarded: boolean,
): Promise<{ monitor: MonitorProcess; listen: string }> {
  const { configFile, listen } = await writeConfig(name, guarded ? STANDBY_BOT_ID : undefined);
  const m = new MonitorProcess(configFile);
  monitors.push(m);
  await m.waitFor((l) => l.event === 'started', 30_000);
  return { monitor: m, listen };
}

const status = async (listen: string) =>
  (await (await fetch(`http://${listen}/status`)).json()) as {
    role: string;
    lastStartError?: string;
    lastDrill?: { error?: string };
    duplicateBot: { primary?: { verdict: string; detail?: string }; poller?: { detail: string } };
  };
const ownerDms = () => api.messages(STANDBY_BOT, OWNER).map((m) => m.text);
const switchIsOn = () => (JSON.parse(readFileSync(switchFile, 'utf8')) as { enabled: boolean }).enabled;
const detailOf = (l: LogLine) => String(l.detail ?? '');

beforeAll(async () => {
  api = await TelegramBotApi.start();
  api.addBot(STANDBY_BOT, 'lab_standby_bot');
  model = await ModelProvider.start('Standby here.');
  // The misconfiguration the guard is for: the primary runs the standby's bot.
  primary = gateway('primary', await freePort(), STANDBY_BOT, PRIMARY_GATEWAY_TOKEN);
  primary.start();
  standby = gateway('standby', await freePort(), STANDBY_BOT, STANDBY_GATEWAY_TOKEN, switchFile);
  // Started as the droplet's unit starts it, by the manager the monitors then find running.
  const input = {
    primary: { url: 'http://127.0.0.1:9' },
    gateway: standbyGateway(),
    stateFile: join(runDir, 's'),
  };
  standbyProcess = createGatewayManager(
    { ...parseConfig(input).gateway, warm: undefined, standbyMode: 'cold' },
    runDir,
  );
  await standbyProcess.start();
  await Promise.all([primary.waitForReady(120_000), standby.waitForReady(120_000)]);
  await api.waitForPoll(STANDBY_BOT, 0, 60_000);
}, 300_000);

afterAll(async () => {
  await Promise.all(monitors.map((m) => m.stop('SIGKILL')));
  primary?.kill();
  await standbyProcess?.stop();
  await api?.close();
  await model?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the duplicate-bot guard against a real primary', () => {
  it("recognises the standby's bot on the primary by its id, and tells no answer from an unreadable one", async () => {
    const primaryAt = {
      url: `http://127.0.0.1:${primary.opts.port}`,
      timeoutSeconds: 2,
      tokenFile: primaryTokenFile,
    };
    const duplicate = await new PrimaryGuard(primaryAt, { channel: 'telegram', id: STANDBY_BOT_ID }).check();
    expect(duplicate).toEqual({
      verdict: 'duplicate',
      detail: expect.stringContaining(`the primary runs this standby's telegram bot (id ${STANDBY_BOT_ID}`),
    });
    expect(await new PrimaryGuard(primaryAt, { channel: 'telegram', id: '999' }).check()).toEqual({
      verdict: 'clear',
    });
    const wrongToken = await new PrimaryGuard(
      { ...primaryAt, tokenFile: standbyTokenFile },
      { channel: 'telegram', id: STANDBY_BOT_ID },
    ).check();
    expect(wrongToken).toMatchObject({ verdict: 'unreadable', detail: expect.stringContaining('HTTP 401') });
    const closed = await new PrimaryGuard(
      { ...primaryAt, url: `http://127.0.0.1:${await freePort()}` },
      { channel: 'telegram', id: STANDBY_BOT_ID },
    ).check();
    expect(closed.verdict).toBe('no-answer');
  }, 60_000);

  it('check-primary tells the user, read-only, that the primary runs the standby bot', async () => {
    const duplicate = await runCli([
      'check-primary',
      '--config',
      (await writeConfig('check', STANDBY_BOT_ID)).configFile,
    ]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stdout).toContain('  ok    readiness');
    expect(duplicate.stdout).toContain(
      `  FAIL  duplicate bot  the primary runs this standby's telegram bot (id ${STANDBY_BOT_ID}`,
    );
    const other = await runCli([
      'check-primary',
      '--config',
      (await writeConfig('check-other', '999')).configFile,
    ]);
    expect(other.stdout).toContain("  ok    duplicate bot  the primary does not run this standby's bot");
    expect(other.code).toBe(0);
  }, 60_000);

  it('says so while standby, then refuses a drill: the standby bot never starts beside it', async () => {
    const { monitor: m } = await startMonitor('guarded', true);
    const found = await m.waitFor((l) => l.event === 'duplicate-bot', 30_000);
    expect(found).toMatchObject({ source: 'primary', when: 'while standby' });
    await expect
      .poll(ownerDms, { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('the primary runs'));
    const listen = (
      JSON.parse(readFileSync(join(dir, 'guarded.json'), 'utf8')) as { status: { listen: string } }
    ).status.listen;
    expect((await status(listen)).duplicateBot.primary?.verdict).toBe('duplicate');
    const metrics = await (await fetch(`http://${listen}/metrics`)).text();
    expect(metrics).toContain('openclaw_failover_duplicate_bot{source="primary"} 1');

    expect((await fetch(`http://${listen}/drill?seconds=30`, { method: 'POST' })).status).toBe(200);
    const refused = await m.waitFor((l) => l.event === 'promotion-refused', 30_000);
    expect(String(refused.error)).toContain(`bot (id ${STANDBY_BOT_ID}`);
    await m.waitFor((l) => l.event === 'transition' && l.to === 'standby', 30_000);
    const after = await status(listen);
    expect(after.lastDrill?.error).toContain('the primary runs');
    expect(switchIsOn()).toBe(false);
    expect(m.events('gateway-ready')).toEqual([]);
    await m.stop();
  }, 120_000);

  it("without the guard, the promoted channel's 409 Conflict is raised: event, status, metric, owner DM", async () => {
    const started = await startMonitor('unguarded', false);
    const m = started.monitor;
    const dmsBefore = ownerDms().length;
    expect((await fetch(`http://${started.listen}/drill?seconds=120`, { method: 'POST' })).status).toBe(200);
    await m.waitFor((l) => l.event === 'transition' && l.to === 'active', 120_000);
    const raised = await m.waitFor((l) => l.event === 'duplicate-bot', 90_000);
    expect(raised.source).toBe('channel');
    expect(detailOf(raised)).toMatch(/conflict/i);
    const now = await status(started.listen);
    expect(now.duplicateBot.poller?.detail).toMatch(/conflict/i);
    const metrics = await (await fetch(`http://${started.listen}/metrics`)).text();
    expect(metrics).toContain('openclaw_failover_duplicate_bot{source="channel"} 1');
    // sendMessage works for a bot whose getUpdates conflicts: the owner hears of it from the standby's bot.
    await expect
      .poll(() => ownerDms().slice(dmsBefore), { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('another poller uses this standby'));
    console.log(
      JSON.stringify({
        duplicateBot: {
          activeToRaisedSeconds:
            (Date.parse(String(raised.time)) -
              Date.parse(String(m.lines.find((l) => l.event === 'transition' && l.to === 'active')?.time))) /
            1000,
        },
      }),
    );
  }, 300_000);
});
