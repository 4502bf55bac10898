// `npm run bench`: failover numbers measured on the chaos harness (lab/: primary and standby in
// network namespaces, the built monitor bundle, a fake gateway) and, for what the user feels in
// chat, whole drills with real OpenClaw gateways (scripts/bench/dm.ts); printed as a markdown
// table with every row at our defaults, at the defaults before the confirm burst and the minimum
// outage, and at the seed's settings, side by side. Needs root, like the chaos suite.
import { setTimeout as sleep } from 'node:timers/promises';
import type { MonitorStatus } from '../lab/chaos-lab.js';
import type { Timings } from '../lab/monitor-config.js';
import { requireNetns } from '../lab/netns.js';
import { cpuPercent, sampleProcess } from '../lab/proc-stats.js';
import { POLICY_DEFAULTS } from '../monitor/src/defaults.js';
import { chatRows, chatRuns, DM_RUNS } from './bench/dm.js';
import { GATEWAY_READY_MS, labs, scaled, watching, withLab } from './bench/labs.js';
import {
  type Counts,
  describe,
  falsePromotions,
  machine,
  max,
  mean,
  percentile,
  tableRow as row,
  seconds,
  sum,
} from './bench/report.js';
import { lostSeconds } from './bench/rpo.js';
import { logTime, standbySpells } from './bench/serving.js';

const OURS: Timings = {
  checkIntervalSeconds: 5,
  failThreshold: 3,
  recoverThreshold: 3,
  minActiveSeconds: 120,
  timeoutSeconds: 2,
  falsePromotionDays: POLICY_DEFAULTS.falsePromotionDays,
  confirmIntervalSeconds: POLICY_DEFAULTS.confirmIntervalSeconds,
  minOutageSeconds: POLICY_DEFAULTS.minOutageSeconds,
};
// The seed's bash loop: curl every 10 s, promote after 3 failures, demote at the first success. It
// sets no curl timeout; both get our 2 s so that only the decision policy differs.
const SEED: Timings = {
  checkIntervalSeconds: 10,
  failThreshold: 3,
  recoverThreshold: 1,
  minActiveSeconds: 0,
  timeoutSeconds: 2,
  falsePromotionDays: 0,
  confirmIntervalSeconds: 0,
  minOutageSeconds: 0,
};
// The defaults before the confirm burst and the minimum outage: probes at the check interval only.
const PREVIOUS: Timings = { ...OURS, confirmIntervalSeconds: 0, minOutageSeconds: 0 };
const SETTINGS = [OURS, PREVIOUS, SEED] as const;

const KILL_CYCLES = 6;
const STEADY_SECONDS = 30;
// Loss: intervals and hold-down ÷25, the probe timeout kept at 2 s, because what fails a probe under
// loss is TCP's own retransmit timing (1 s for a SYN), which does not scale.
const LOSS_SCALE = 25;
/** Packet loss each way for the false-promotion rows: the heavy case, and a milder one. */
const LOSS_PERCENTS = [20, 5] as const;
const LOSS_LABS = 10;
const LOSS_PROBES_PER_LAB = 200;
/** Latency near the timeout: each way, so that a probe takes about 1.7 s of its 2 s. */
const SLOW_DELAY_MS = 850;
const SLOW_LABS = 5;
const SLOW_PROBES_PER_LAB = 80;
const FLAP_SCALE = 20;
/** The primary side's push interval (primaryPushIntervalSeconds' default), at real time. */
const PUSH_INTERVAL_SECONDS = 30;
const RPO_RUNS = 8;
const FLAP_SECONDS = 60;

interface KillCycle {
  decisionSeconds: number;
  readySeconds: number;
  standbyCpuPercent: number;
  standbyRssMiB: number;
  peakRssMiB: number;
}

/** Real time: a watching standby, a quiet spell (resources), then kill -9 of the primary at a random phase. */
function killCycle(timings: Timings): Promise<KillCycle> {
  const options = { timings, workspace: false, gateway: { readyDelayMs: GATEWAY_READY_MS } };
  return withLab(options, async (lab) => {
    const monitor = lab.startMonitor();
    await watching(monitor);
    const quietFrom = sampleProcess(monitor.pid);
    await sleep((STEADY_SECONDS + Math.random() * timings.checkIntervalSeconds) * 1000);
    const quietTo = sampleProcess(monitor.pid);
    const killedAt = Date.now();
    await lab.requirePrimary().kill();
    const limit =
      ((timings.failThreshold + 2) * timings.checkIntervalSeconds + timings.minOutageSeconds) * 1000 +
      GATEWAY_READY_MS;
    const decision = await monitor.waitForTransition('promoting', limit);
    const ready = await monitor.waitFor((l) => l.event === 'gateway-ready', limit);
    return {
      decisionSeconds: (logTime(decision) - killedAt) / 1000,
      readySeconds: (logTime(ready) - killedAt) / 1000,
      standbyCpuPercent: cpuPercent(quietFrom, quietTo),
      standbyRssMiB: quietTo.rssMiB,
      peakRssMiB: sampleProcess(monitor.pid).peakRssMiB,
    };
  });
}

const probeTotal = (s: MonitorStatus) =>
  s.counters.probes.up + s.counters.probes.degraded + s.counters.probes.down;

function countsBetween(before: MonitorStatus, after: MonitorStatus): Counts {
  return {
    probes: probeTotal(after) - probeTotal(before),
    failed: after.counters.probes.down - before.counters.probes.down,
    promotions: after.counters.promotions - before.counters.promotions,
    demotions: after.counters.demotions - before.counters.demotions,
  };
}

/** A healthy primary behind a lossy link, for LOSS_PROBES_PER_LAB probes: every promotion is a false one. */
function lossRun(timings: Timings, percent: number): Promise<Counts> {
  return withLab(scaled(timings, LOSS_SCALE, 'real'), async (lab) => {
    await watching(lab.startMonitor());
    const before = await lab.status();
    lab.pair.setLoss(percent);
    await lab.waitForProbes(LOSS_PROBES_PER_LAB, 600_000);
    return countsBetween(before, await lab.status());
  });
}

/** A healthy primary whose every answer comes close to the probe timeout (the delay proxy). */
function slowRun(timings: Timings): Promise<Counts> {
  return withLab({ ...scaled(timings, LOSS_SCALE, 'real'), proxyDelayMs: SLOW_DELAY_MS }, async (lab) => {
    await watching(lab.startMonitor());
    const before = await lab.status();
    await lab.waitForProbes(SLOW_PROBES_PER_LAB, 600_000);
    return countsBetween(before, await lab.status());
  });
}

/**
 * The primary flaps on one schedule for every setting, 3 of the seed's probe intervals down and 1
 * up (30 s / 10 s), for FLAP_SECONDS of wall time at 1/FLAP_SCALE of the intervals. Besides the
 * counts, the share of that time with neither gateway serving: the primary is serving in its up
 * spells, the standby from its gateway's readiness until a demotion starts.
 */
function flapRun(timings: Timings): Promise<Counts & { neitherPercent: number }> {
  return withLab(scaled(timings, FLAP_SCALE, 'scaled'), async (lab) => {
    const monitor = lab.startMonitor();
    await watching(monitor);
    const period = (SEED.checkIntervalSeconds * 1000) / FLAP_SCALE;
    const before = await lab.status();
    const from = Date.now();
    await lab.primaryMode(`flap ${3 * period} ${period}`);
    await sleep(FLAP_SECONDS * 1000);
    const to = Date.now();
    const counts = countsBetween(before, await lab.status());
    const primaryServing = (t: number) => (t - from) % (4 * period) >= 3 * period;
    const spells = standbySpells(monitor.lines, to);
    const standbyServing = (t: number) => spells.some(([start, end]) => t >= start && t < end);
    let neither = 0;
    let samples = 0;
    for (let t = from; t < to; t += 10, samples++) if (!primaryServing(t) && !standbyServing(t)) neither++;
    return { ...counts, neitherPercent: (100 * neither) / samples };
  });
}

async function main(): Promise<void> {
  requireNetns();
  const started = Date.now();
  const progress = (what: string) =>
    process.stderr.write(`bench: ${what} (${Math.round((Date.now() - started) / 1000)} s)\n`);

  progress(`kill cycles: ${KILL_CYCLES} per setting, real intervals, in parallel`);
  const kills = await Promise.all(
    SETTINGS.map((t) => Promise.all(Array.from({ length: KILL_CYCLES }, () => killCycle(t)))),
  );
  const losses: string[][] = [];
  for (const percent of LOSS_PERCENTS) {
    progress(`${percent} % loss: ${LOSS_LABS} standbys per setting × ${LOSS_PROBES_PER_LAB} probes`);
    const labRuns = (t: Timings) => Promise.all(Array.from({ length: LOSS_LABS }, () => lossRun(t, percent)));
    losses.push(await Promise.all(SETTINGS.map(async (t) => falsePromotions(t, sum(await labRuns(t))))));
  }
  progress(
    `latency ${SLOW_DELAY_MS} ms each way: ${SLOW_LABS} standbys per setting × ${SLOW_PROBES_PER_LAB} probes`,
  );
  const slowRuns = (t: Timings) => Promise.all(Array.from({ length: SLOW_LABS }, () => slowRun(t)));
  const slows = await Promise.all(SETTINGS.map(async (t) => falsePromotions(t, sum(await slowRuns(t)))));
  progress(
    `workspace freshness: ${RPO_RUNS} failovers with the primary pushing every ${PUSH_INTERVAL_SECONDS} s`,
  );
  const rpoLimit = (PUSH_INTERVAL_SECONDS + 60) * 1000;
  const losts = await Promise.all(
    Array.from({ length: RPO_RUNS }, () =>
      withLab({ timings: OURS, gateway: { readyDelayMs: GATEWAY_READY_MS } }, (lab) =>
        lostSeconds(lab, PUSH_INTERVAL_SECONDS, rpoLimit),
      ),
    ),
  );
  progress(`flapping primary for ${FLAP_SECONDS} s`);
  const flaps = await Promise.all(SETTINGS.map(flapRun));
  progress(
    `chat: ${DM_RUNS} drills each with real OpenClaw gateways, warm, cold and the seed's, one at a time`,
  );
  const chats = await chatRuns(OURS);
  progress('done');

  const perSetting = <T>(values: readonly T[], format: (v: T) => string) => values.map(format);
  const lines = [
    `Date: ${new Date(started).toISOString()}  `,
    `Machine: ${machine()}  `,
    `Scale factors: kill rows and resources at real time (1:1); loss rows at intervals ÷${LOSS_SCALE} ` +
      `(probe timeout 2 s and minimum outage unscaled); flapping at intervals and minimum outage ÷${FLAP_SCALE}. Gateway: the fake gateway, /readyz 200 ` +
      `${GATEWAY_READY_MS / 1000} s after start (OpenClaw's measured cold start), scaled with the intervals.`,
    '',
    `| metric | our defaults (${describe(OURS)}) | previous defaults (${describe(PREVIOUS)}) | seed (${describe(SEED)}) | how |`,
    '| --- | --- | --- | --- | --- |',
    row(
      'kill -9 → promote decision, p50 / p95',
      perSetting(kills, (k) => seconds(k.map((c) => c.decisionSeconds))),
      `real time, ${KILL_CYCLES} cycles each, random kill phase`,
    ),
    row(
      'kill -9 → standby gateway ready, p50 / p95',
      perSetting(kills, (k) => seconds(k.map((c) => c.readySeconds))),
      `real time; fake gateway ready ${GATEWAY_READY_MS / 1000} s after start`,
    ),
    ...LOSS_PERCENTS.map((percent, i) =>
      row(
        `false promotions under ${percent} % loss`,
        losses[i] ?? [],
        `healthy primary, ${percent} % of packets dropped each way; intervals ÷${LOSS_SCALE}, timeout 2 s`,
      ),
    ),
    row(
      `false promotions, answers ${(2 * SLOW_DELAY_MS) / 1000} s late`,
      slows,
      `healthy primary behind ${SLOW_DELAY_MS} ms each way (a probe takes ~${(2 * SLOW_DELAY_MS) / 1000} s of its 2 s timeout); intervals ÷${LOSS_SCALE}`,
    ),
    row(
      `promotions / demotions, primary 30 s down / 10 s up for ${FLAP_SECONDS} s`,
      perSetting(flaps, (f) => `${f.promotions} / ${f.demotions} (${f.probes} probes)`),
      `intervals ÷${FLAP_SCALE}: ${FLAP_SECONDS} s here = ${(FLAP_SECONDS * FLAP_SCALE) / 60} min at real intervals`,
    ),
    row(
      'same flapping primary: time with neither gateway serving',
      perSetting(flaps, (f) => `${f.neitherPercent.toFixed(0)} %`),
      'the primary serves in its up spells, the standby from its gateway ready until a demotion; the primary is down 75 % of the time',
    ),
    row(
      "primary's writes lost at a failover, p50 / max",
      [
        `${percentile(losts, 50).toFixed(1)} / ${max(losts).toFixed(1)} s (primary side on, push every ${PUSH_INTERVAL_SECONDS} s)`,
        'as old as your last push (no primary side)',
        'as old as your last push',
      ],
      `real time, ${RPO_RUNS} failovers, the primary's host dies at a random phase of its push interval; the standby pulls at promotion`,
    ),
    ...chatRows(chats),
    row(
      'monitor RSS: standby / peak',
      perSetting(
        kills,
        (k) =>
          `${max(k.map((c) => c.standbyRssMiB)).toFixed(0)} / ${max(k.map((c) => c.peakRssMiB)).toFixed(0)} MiB`,
      ),
      '/proc VmRSS while standby, VmHWM after promotion; max over cycles',
    ),
    row(
      'monitor CPU while standby',
      perSetting(kills, (k) => `${mean(k.map((c) => c.standbyCpuPercent)).toFixed(2)} % of one core`),
      `/proc utime+stime over ${STEADY_SECONDS} s of probing at real intervals; mean over cycles`,
    ),
  ];
  process.stdout.write(
    `${lines.join('\n')}\n\nTotal bench time: ${Math.round((Date.now() - started) / 1000)} s\n`,
  );
}

// Ctrl-C: namespaces and everything running in them go, not just this process.
process.once('SIGINT', () => {
  for (const lab of labs) void lab.destroy();
  process.exit(130);
});

main().catch(async (err: unknown) => {
  await Promise.all([...labs].map((lab) => lab.destroy()));
  console.error(err);
  process.exit(1);
});
