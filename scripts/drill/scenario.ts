// The drill itself: primary up (its bot answering), monitor watching; kill the primary and follow
// the failover live while the owner DMs the standby bot every 0.5 s; bring the primary back and
// follow the demotion while the owner DMs the primary bot. Every wait has a deadline, generous against
// the timings in use, so a drill that goes wrong ends with a message instead of hanging.

import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine } from '../../lab/bundle.js';
import type { DmProbe } from '../../lab/dm-probe.js';
import { isListening } from '../../lab/ports.js';
import type { Status } from '../../monitor/src/status.js';
import { DM_INTERVAL_MS, OWNER } from './channels.js';
import { MonitorEvents } from './events.js';
import type { Lab } from './lab.js';
import { STANDBY_START_TIMEOUT_SECONDS, STANDBY_STOP_TIMEOUT_SECONDS } from './monitor-config.js';
import type { DrillOptions } from './options.js';
import { heading, seconds, step, Timeline } from './output.js';

export interface Measurements {
  primaryColdStartMs: number;
  killToFirstFailureMs: number;
  killToPromoteMs: number;
  killToActiveMs: number;
  /** From the promotion's start of the gateway (cold) or of its channel (warm) to ready. */
  standbyStartMs: number;
  restartToPrimaryBackMs: number;
  primaryBackToDemoteMs: number;
  primaryBackToStandbyMs: number;
  standbyStopMs: number;
  primaryDmAnsweredMs: number;
  killToStandbyAnswersMs: number;
  standbyDmsSent: number;
  primaryBackToStandbySilentMs: number;
  primaryBackToPrimaryAnswersMs: number;
  primaryDmsSent: number;
}

/** OpenClaw's cold start with a Telegram channel is 20–35 s on 2 vCPU; a busy laptop gets more. */
const PRIMARY_READY_TIMEOUT_MS = 120_000;
const MONITOR_START_TIMEOUT_MS = 15_000;
/** Slack on top of what the timings themselves need: process start-up, a loaded machine. */
const SLACK_MS = 15_000;
/** A gateway's first agent turn after a cold start takes 13–15 s on 2 vCPU (docs/platform-facts.md). */
const BOT_ANSWER_TIMEOUT_MS = 120_000;
/** Without a held poll for this long, a bot is no longer polled. */
const POLL_QUIET_MS = 1000;
/** Healthy probes seen before the kill: proof that the monitor watches a primary it finds up. */
const WATCHED_PROBES = 2;

const isTransition = (to: string) => (line: LogLine) => line.event === 'transition' && line.to === to;

async function readStatus(url: string): Promise<Status> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return (await response.json()) as Status;
  } catch (err) {
    throw new Error(`the monitor's status endpoint ${url} did not answer: ${(err as Error).message}`);
  }
}

/** Waits until the monitor has probed the primary healthy WATCHED_PROBES times. */
async function watchHealthyProbes(lab: Lab, events: MonitorEvents, timeoutMs: number): Promise<Status> {
  const what = `${WATCHED_PROBES} healthy probes of the primary`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    events.assertMonitorRunning(what);
    const status = await readStatus(lab.statusUrl);
    if (status.counters.probes.up >= WATCHED_PROBES) return status;
    if (Date.now() >= deadline) throw new Error(`${what} did not happen within ${seconds(timeoutMs)}`);
    await sleep(100);
  }
}

/**
 * The monitor logs no line for a healthy probe: its status endpoint counts them. Prints each new
 * count while active; once the threshold is met but the minimum active time is not, one line
 * says until when the demotion waits. The demote decision itself names the final count.
 */
function recoveryCounter(lab: Lab, timeline: Timeline, threshold: number) {
  let shown = 0;
  let waitShown = false;
  return async (): Promise<string | undefined> => {
    const status = await readStatus(lab.statusUrl);
    const count = status.primary.consecutiveSuccesses;
    if (status.role !== 'active' || count <= shown || waitShown) return undefined;
    shown = count;
    const text = `recovery probe ${count}/${threshold}: primary ${status.primary.health}`;
    const holdDownEnd = status.holdDownUntil === undefined ? 0 : Date.parse(status.holdDownUntil);
    if (count < threshold || holdDownEnd <= Date.now()) return text;
    waitShown = true;
    const until = timeline.since(holdDownEnd) / 1000;
    return `${text}; the demotion waits for the minimum active time, until +${until.toFixed(1)} s`;
  };
}

/** A timeline line, once, when the probe's bot has answered. */
function answerLine(probe: DmProbe, bot: string, since: string) {
  let shown = false;
  return async (): Promise<string | undefined> => {
    if (shown || !probe.answered) return undefined;
    shown = true;
    const { reply, sent } = probe.answered;
    return `the ${bot} bot answers a DM (${sent} sent since ${since}, one every ${DM_INTERVAL_MS / 1000} s): "${reply.text}"`;
  };
}

export async function runScenario(lab: Lab, options: DrillOptions): Promise<Measurements> {
  const { timings, ports } = options;
  const intervalMs = timings.checkIntervalSeconds * 1000;
  const probeTimeoutMs = timings.probeTimeoutSeconds * 1000;

  step(
    `starting the primary OpenClaw gateway on 127.0.0.1:${ports.primary} (cold start with its channel 20–35 s)…`,
  );
  lab.startPrimary();
  const primaryColdStartMs = await lab.waitPrimaryReady(PRIMARY_READY_TIMEOUT_MS);
  step(`primary ready: /readyz answered 200 after ${seconds(primaryColdStartMs)}`);
  const { channels } = lab;
  const primaryReadyAt = Date.now();
  const setupDm = await channels.probe('primary', BOT_ANSWER_TIMEOUT_MS).done;
  const primaryDmAnsweredMs = setupDm.reply.sentAt - primaryReadyAt;
  step(
    `primary bot answers the owner's DM: "${setupDm.reply.text}" (${seconds(primaryDmAnsweredMs)} after ready)`,
  );

  const warm = options.standbyMode === 'warm';
  if (warm) {
    step(`starting the warm standby's gateway on 127.0.0.1:${ports.standby}, its channel off…`);
    const warmStartMs = await lab.startWarmStandby();
    step(`standby gateway ready with its channel off after ${seconds(warmStartMs)}`);
  }
  step(
    `starting the standby: the failover monitor (its gateway ${warm ? 'runs with its channel off' : 'stays stopped'} until a promotion)…`,
  );
  const monitor = lab.startMonitor();
  const timeline = new Timeline();
  const events = new MonitorEvents(monitor, timeline, options);
  const started = await events.until(
    'the monitor start',
    MONITOR_START_TIMEOUT_MS,
    (l) => l.event === 'started',
  );
  step(`monitor started: role ${started.line.role}, probing http://127.0.0.1:${ports.primary}/readyz`);

  const watched = await watchHealthyProbes(
    lab,
    events,
    WATCHED_PROBES * intervalMs + probeTimeoutMs + SLACK_MS,
  );
  step(`watching: ${watched.counters.probes.up} healthy probes of the primary so far, role ${watched.role}`);

  const standbyPolls = channels.api.poller(channels.token('standby')).polls;
  if (standbyPolls !== 0)
    throw new Error(`the standby bot was polled ${standbyPolls} times before a promotion`);
  step(`standby bot: never polled so far (its gateway ${warm ? 'runs with its channel off' : 'is stopped'})`);

  // A host dies at any moment, not just after a probe: a random phase of the probe interval.
  await sleep(Math.random() * intervalMs);
  heading('failover: killing the primary (SIGKILL to its process group)');
  const killedAt = timeline.start();
  await lab.killPrimary();
  const standbyDm = channels.probe('standby', BOT_ANSWER_TIMEOUT_MS + STANDBY_START_TIMEOUT_SECONDS * 1000);
  timeline.event('primary killed; the owner DMs the standby bot every 0.5 s from now', 'red', killedAt);
  const firstFailure = await events.until(
    'the first failed probe',
    intervalMs + probeTimeoutMs + SLACK_MS,
    (l) => l.event === 'probe-failed',
  );
  const promote = await events.until(
    'the promote decision',
    timings.failThreshold * intervalMs + timings.minOutageSeconds * 1000 + probeTimeoutMs + SLACK_MS,
    isTransition('promoting'),
  );
  const starting = await events.until(
    'the standby gateway start',
    SLACK_MS,
    (l) => l.event === 'gateway-starting',
  );
  const ready = await events.until(
    'the standby gateway ready',
    STANDBY_START_TIMEOUT_SECONDS * 1000 + SLACK_MS,
    (l) => l.event === 'gateway-ready',
  );
  const active = await events.until('the standby active', SLACK_MS, isTransition('active'));
  const answer = await fetch(`http://127.0.0.1:${ports.standby}/readyz`, {
    signal: AbortSignal.timeout(2000),
  });
  // Only `ready`: to a loopback caller OpenClaw adds a page of event-loop details.
  const body = (await answer.json()) as { ready?: unknown };
  timeline.event(
    `own check: http://127.0.0.1:${ports.standby}/readyz answers ${answer.status}, ready: ${body.ready}`,
  );
  await events.untilDone(
    'the standby bot answering a DM',
    BOT_ANSWER_TIMEOUT_MS,
    () => !!standbyDm.answered,
    {
      poll: answerLine(standbyDm, 'standby', 'the kill'),
    },
  );
  const standbyAnswer = await standbyDm.done;

  heading('failback: bringing the primary back');
  const restartedAt = Date.now();
  lab.startPrimary();
  timeline.event('primary restarting (OpenClaw cold start)', undefined, restartedAt);
  const primaryRunning = { check: () => lab.assertPrimaryRunning() };
  // The first probe that counts towards recovery: with promoteOn "down" a degraded primary is serving.
  const back = await events.until(
    'the primary back',
    PRIMARY_READY_TIMEOUT_MS + intervalMs + probeTimeoutMs,
    (l) => l.event === 'primary-health' && (l.to === 'up' || l.to === 'degraded'),
    primaryRunning,
  );
  const primaryDm = channels.probe('primary', BOT_ANSWER_TIMEOUT_MS + PRIMARY_READY_TIMEOUT_MS);
  timeline.event('the owner DMs the primary bot every 0.5 s from now', undefined, back.at);
  // The primary's bot may answer before the standby's is off: shown when it does, once.
  const primaryAnswered = answerLine(primaryDm, 'primary', 'the primary came back');
  const recovery = recoveryCounter(lab, timeline, timings.recoverThreshold);
  const demote = await events.until(
    'the demote decision',
    timings.recoverThreshold * intervalMs + timings.minActiveSeconds * 1000 + probeTimeoutMs + SLACK_MS,
    isTransition('demoting'),
    { ...primaryRunning, poll: async () => (await primaryAnswered()) ?? (await recovery()) },
  );
  const standby = await events.until(
    'back to standby',
    STANDBY_STOP_TIMEOUT_SECONDS * 1000 + SLACK_MS,
    isTransition('standby'),
    { poll: primaryAnswered },
  );
  // Cold: the gateway is gone. Warm: it runs on, its channel off (the poll check below).
  if ((await isListening(ports.standby)) !== warm) {
    throw new Error(
      `the standby gateway ${warm ? 'no longer' : 'still'} answers on port ${ports.standby} after the demotion`,
    );
  }
  timeline.event(
    warm
      ? `own check: the standby gateway still runs on 127.0.0.1:${ports.standby} (warm)`
      : `own check: nothing listens on 127.0.0.1:${ports.standby} any more`,
  );
  const standbyToken = channels.token('standby');
  const lastPollEnded = await channels.api.waitForPollingStopped(
    standbyToken,
    back.at,
    POLL_QUIET_MS,
    SLACK_MS,
  );
  const standbyReplies = channels.api.messages(standbyToken, OWNER);
  const lastStandbyMessage = Math.max(0, ...standbyReplies.map((m) => m.sentAt));
  const standbySilentAt = Math.max(lastPollEnded, lastStandbyMessage);
  timeline.event(
    `own check: the standby bot is no longer polled (last poll ended +${(timeline.since(lastPollEnded) / 1000).toFixed(1)} s; ` +
      `it sent ${standbyReplies.length} replies while active)`,
  );
  await events.untilDone(
    'the primary bot answering again',
    BOT_ANSWER_TIMEOUT_MS,
    () => !!primaryDm.answered,
    { ...primaryRunning, poll: primaryAnswered },
  );
  const primaryAnswer = await primaryDm.done;

  return {
    primaryColdStartMs,
    killToFirstFailureMs: firstFailure.at - killedAt,
    killToPromoteMs: promote.at - killedAt,
    killToActiveMs: active.at - killedAt,
    standbyStartMs: ready.at - starting.at,
    restartToPrimaryBackMs: back.at - restartedAt,
    primaryBackToDemoteMs: demote.at - back.at,
    primaryBackToStandbyMs: standby.at - back.at,
    standbyStopMs: standby.at - demote.at,
    primaryDmAnsweredMs,
    killToStandbyAnswersMs: standbyAnswer.reply.sentAt - killedAt,
    standbyDmsSent: standbyAnswer.sent,
    primaryBackToStandbySilentMs: standbySilentAt - back.at,
    primaryBackToPrimaryAnswersMs: primaryAnswer.reply.sentAt - back.at,
    primaryDmsSent: primaryAnswer.sent,
  };
}
