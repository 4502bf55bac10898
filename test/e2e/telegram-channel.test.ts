// Real OpenClaw gateways with real Telegram channels, against the lab's Bot API and model
// stand-ins: a DM is answered by the real agent loop, a duplicate poller is refused with 409 and
// says so, and the warm standby's channel toggles by config write. Prints what it measures.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelProvider } from '../../lab/model-provider.js';
import { openclawBin, productionEnv } from '../../lab/openclaw.js';
import { freePort } from '../../lab/ports.js';
import { TelegramBotApi } from '../../lab/telegram-bot-api.js';
import { TelegramGateway } from '../../lab/telegram-gateway.js';

const OWNER = 4242;
const STRANGER = 777;
const REPLY = 'Standby here: the lab model answers.';
const PRIMARY_BOT = '100001:lab-primary-bot-token-aaaaaaaa';
const STANDBY_BOT = '100002:lab-standby-bot-token-bbbbbbbb';
const GATEWAY_TOKEN = 'lab-gateway-token-0123456789abcdef0123';

const dir = mkdtempSync(join(tmpdir(), 'e2e-telegram-'));
const gateways: TelegramGateway[] = [];
let api: TelegramBotApi;
let model: ModelProvider;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function gateway(name: string, botToken: string, channelEnabled: boolean): Promise<TelegramGateway> {
  const gw = new TelegramGateway({
    dir: join(dir, name),
    port: await freePort(),
    botToken,
    allowFrom: [OWNER],
    apiRoot: api.apiRoot,
    modelBaseUrl: model.baseUrl,
    channelEnabled,
    gatewayToken: GATEWAY_TOKEN,
  });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  api = await TelegramBotApi.start();
  model = await ModelProvider.start(REPLY);
  api.addBot(PRIMARY_BOT, 'lab_primary_bot');
  api.addBot(STANDBY_BOT, 'lab_standby_bot');
});

afterAll(async () => {
  for (const gw of gateways) gw.kill();
  await api?.close();
  await model?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('a real OpenClaw Telegram channel on the lab stand-ins', () => {
  it('runs on a config OpenClaw validates: the standby renderer plus apiRoot and the model provider', async () => {
    const gw = await gateway('validate', PRIMARY_BOT, true);
    const { stdout } = await promisify(execFile)(openclawBin(), ['config', 'validate', '--json'], {
      env: { ...productionEnv(), ...gw.command.env },
    });
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, warnings: [] });
  });

  it('answers the owner with the model stand-in reply, ignores a stranger, and is measured from a cold start', async () => {
    const gw = await gateway('primary', PRIMARY_BOT, true);
    // The owner has been waiting: the DM is queued before the gateway starts.
    const first = api.injectDm(PRIMARY_BOT, OWNER, 'are you there?');
    gw.start();
    const readyAt = await gw.waitForReady(90_000);
    const firstPollAt = await api.waitForPoll(PRIMARY_BOT, gw.startedAt, 90_000);
    const reply = await api.waitForReply(PRIMARY_BOT, first, { timeoutMs: 120_000 });
    expect(reply.text).toBe(REPLY);
    expect(model.requests.some((r) => r.userText.includes('are you there?'))).toBe(true);

    api.injectDm(PRIMARY_BOT, STRANGER, 'let me in');
    const second = api.injectDm(PRIMARY_BOT, OWNER, 'and now?');
    const secondReply = await api.waitForReply(PRIMARY_BOT, second, { timeoutMs: 60_000 });
    await sleep(3000);
    expect(api.messages(PRIMARY_BOT, STRANGER)).toEqual([]);
    expect(model.requests.some((r) => r.userText.includes('let me in'))).toBe(false);

    const methods = [...new Set(api.calls.map((c) => c.method))];
    expect(methods).toEqual(
      expect.arrayContaining(['getMe', 'deleteWebhook', 'setMyCommands', 'getUpdates', 'sendMessage']),
    );
    expect(api.calls.filter((c) => c.status !== 200 && c.status !== 0)).toEqual([]);
    expect(await gw.telegramStatus()).toMatchObject({ enabled: true, running: true, connected: true });
    console.log(
      JSON.stringify({
        coldStart: {
          startToReadyMs: readyAt - gw.startedAt,
          startToPollingMs: firstPollAt - gw.startedAt,
          startToFirstDmAnsweredMs: reply.sentAt - gw.startedAt,
          pollingToFirstDmAnsweredMs: reply.sentAt - firstPollAt,
          nextDmAnsweredMs: secondReply.sentAt - second.at,
          rssMiB: Math.round(gw.rssMiB()),
        },
        botApiMethods: methods,
        deleteWebhookParams: api.calls.find((c) => c.method === 'deleteWebhook')?.params,
        modelRequestStreamed: model.requests[0]?.stream,
      }),
    );
  }, 300_000);

  it('a second gateway polling the same bot gets 409 Conflict and reports it; the first keeps answering', async () => {
    const [primary] = gateways.filter((g) => g.opts.dir.endsWith('primary'));
    if (!primary) throw new Error('the primary gateway of the previous test is not running');
    const conflictsBefore = api.poller(PRIMARY_BOT).conflicts;
    const duplicate = await gateway('duplicate', PRIMARY_BOT, true);
    duplicate.start();
    await duplicate.waitForReady(90_000);
    const deadline = Date.now() + 90_000;
    let status = await duplicate.telegramStatus();
    while (!status?.lastError && Date.now() < deadline) {
      await sleep(250);
      status = await duplicate.telegramStatus();
    }
    const surfacedMs = Date.now() - duplicate.startedAt;
    expect(api.poller(PRIMARY_BOT).conflicts).toBeGreaterThan(conflictsBefore);
    expect(status).toMatchObject({ running: true, connected: false, lifecycle: 'recovering' });
    expect(status?.lastError).toMatch(
      /^Telegram getUpdates conflict: Conflict: terminated by other getUpdates/,
    );
    expect(await primary.telegramStatus()).toMatchObject({ connected: true, lastError: null });
    const readyz = await fetch(`http://127.0.0.1:${duplicate.opts.port}/readyz`);

    const dm = api.injectDm(PRIMARY_BOT, OWNER, 'who answers?');
    expect((await api.waitForReply(PRIMARY_BOT, dm, { timeoutMs: 60_000 })).text).toBe(REPLY);
    console.log(
      JSON.stringify({
        duplicatePoller: {
          startToConflictReportedMs: surfacedMs,
          conflicts: api.poller(PRIMARY_BOT).conflicts - conflictsBefore,
          duplicateStatus: status,
          duplicateReadyzStatus: readyz.status,
        },
      }),
    );
    duplicate.kill();
    primary.kill();
  }, 300_000);
});

describe('warm standby: the gateway runs, its channel disabled until promotion', () => {
  it('never polls while disabled, polls and answers once enabled by config write, stops when disabled again', async () => {
    const gw = await gateway('warm', STANDBY_BOT, false);
    gw.start();
    await gw.waitForReady(90_000);
    await sleep(15_000);
    expect(api.calls.filter((c) => c.botId === 100002)).toEqual([]);
    expect(await gw.telegramStatus()).toBeUndefined();
    const idleRssMiB = gw.rssMiB();
    // The RPC cannot start a channel its config disables (and never loaded).
    const rpcStartWhileDisabled = await gw.rpc('channels.start', { channel: 'telegram' });
    expect(rpcStartWhileDisabled.ok).toBe(false);

    const dm = api.injectDm(STANDBY_BOT, OWNER, 'primary is down, hello standby');
    const enableAt = Date.now();
    const enableConfirmedMs = await gw.setChannelEnabled(true, 60_000);
    const pollAt = await api.waitForPoll(STANDBY_BOT, enableAt, 60_000);
    const reply = await api.waitForReply(STANDBY_BOT, dm, { timeoutMs: 120_000 });
    expect(reply.text).toBe(REPLY);
    const activeRssMiB = gw.rssMiB();

    const disableAt = Date.now();
    const disableConfirmedMs = await gw.setChannelEnabled(false, 60_000);
    const stoppedAt = await api.waitForPollingStopped(STANDBY_BOT, disableAt, 5000, 60_000);
    const pollsAfterStop = api.poller(STANDBY_BOT).polls;
    const late = api.injectDm(STANDBY_BOT, OWNER, 'still there?');
    await sleep(5000);
    expect(api.poller(STANDBY_BOT).polls).toBe(pollsAfterStop);
    expect(api.messages(STANDBY_BOT, OWNER).filter((m) => m.messageId > late.messageId)).toEqual([]);
    expect(await gw.telegramStatus()).toMatchObject({ enabled: false, running: false });

    // The alternative, the admin RPC: channels.start on a channel the config disables ...
    const rpcStartWhileDisabledAgain = await gw.rpc('channels.start', { channel: 'telegram' });
    await sleep(3000);
    const pollsAfterRpcStart = api.poller(STANDBY_BOT).polls - pollsAfterStop;
    // ... and channels.stop / channels.start with the channel enabled in the config.
    await gw.setChannelEnabled(true, 60_000);
    const rpcStopAt = Date.now();
    const rpcStop = await gw.rpc('channels.stop', { channel: 'telegram' });
    const rpcStoppedAt = await api.waitForPollingStopped(STANDBY_BOT, rpcStopAt, 5000, 60_000);
    const pollsAfterRpcStop = api.poller(STANDBY_BOT).polls;
    await sleep(10_000);
    const stayedStopped = api.poller(STANDBY_BOT).polls === pollsAfterRpcStop;
    const rpcStartAt = Date.now();
    const rpcStart = await gw.rpc('channels.start', { channel: 'telegram' });
    const rpcPollAt = await api.waitForPoll(STANDBY_BOT, rpcStartAt, 60_000);
    expect(rpcStop).toMatchObject({ ok: true, payload: { stopped: true } });
    expect(stayedStopped).toBe(true);
    expect(rpcStart).toMatchObject({ ok: true, payload: { started: true } });

    console.log(
      JSON.stringify({
        warmStandby: {
          idleRssMiB: Math.round(idleRssMiB),
          activeRssMiB: Math.round(activeRssMiB),
          writeEnabledToPollMs: pollAt - enableAt,
          writeEnabledToStatusConnectedMs: enableConfirmedMs,
          writeEnabledToDmAnsweredMs: reply.sentAt - enableAt,
          writeDisabledToPollingStoppedMs: stoppedAt - disableAt,
          writeDisabledToStatusStoppedMs: disableConfirmedMs,
          rpcStartWhileDisabled,
          rpcStartWhileDisabledAgain,
          pollsAfterRpcStartWhileDisabled: pollsAfterRpcStart,
          rpcStopToPollingStoppedMs: rpcStoppedAt - rpcStopAt,
          rpcStartToPollMs: rpcPollAt - rpcStartAt,
        },
      }),
    );
  }, 300_000);
});
