// Packet loss on the link (nftables, each direction, at the primary's end). The probe timeout is
// 1.5 s, like the real 2 s in that a lost SYN, retransmitted by TCP after 1 s, still makes it once;
// losing it twice (or the SYN-ACK) fails the probe. Failures are independent per probe (fresh
// connection each time), so promotions follow from the measured failure rate p:
// - 20 %: p is ~0.13. The detector starts from a clean window (3 in a row, chance ~p³ ≈ 0.2 % per
//   probe) and asks for longer runs as it sees failures. A false promotion is rare, not
//   impossible; the test bounds the count by what p allows at failThreshold, and checks that each
//   promotion came from a run that reached the detector's threshold of the moment, never fewer.
// - 50 %: p is ~0.6: the primary is unreachable most of the time. Whether the standby promotes
//   depends on a run coming before its window fills with failures (then it asks for 7, 8… in a
//   row); once promoted it rarely sees 3 good probes in a row, and flap damping doubles each
//   hold-down, which bounds how often it can cycle.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ChaosLab, type MonitorStatus } from '../../lab/chaos-lab.js';
import { SCALED_DEFAULTS, type Timings } from '../../lab/monitor-config.js';
import { requireNetns } from '../../lab/netns.js';
import type { NsProcess } from '../../lab/ns-process.js';
import { expectOutcome, expectWritePushed } from './outcome.js';

const TIMINGS: Timings = { ...SCALED_DEFAULTS, timeoutSeconds: 1.5 };

let lab: ChaosLab | undefined;
beforeAll(requireNetns);
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

/** The smallest m with P(X > m) < tail for X ~ Poisson(lambda). */
function poissonBound(lambda: number, tail: number): number {
  let term = Math.exp(-lambda);
  let cumulative = term;
  let m = 0;
  while (1 - cumulative >= tail) {
    m++;
    term *= lambda / m;
    cumulative += term;
  }
  return m;
}

const probeCount = (s: MonitorStatus) => s.counters.probes.up + s.counters.probes.down;

/** Runs `probes` probes under `percent` % loss, then heals; returns the monitor, the probes made under loss (n) and the share that failed (p). */
async function underLoss(
  percent: number,
  probes: number,
): Promise<{ monitor: NsProcess; p: number; n: number }> {
  lab = await ChaosLab.create({ timings: TIMINGS });
  const monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
  const before = await lab.status();
  lab.pair.setLoss(percent);
  await lab.waitForProbes(probes, 120_000);
  const after = await lab.status();
  lab.pair.clearLoss();
  const n = probeCount(after) - probeCount(before);
  return { monitor, n, p: (after.counters.probes.down - before.counters.probes.down) / n };
}

/** Once the loss is gone, an active standby demotes: every promotion is matched, the write lands. */
async function settlesInStandby(current: ChaosLab): Promise<number> {
  const deadline = Date.now() + 30_000;
  while ((await current.status()).role !== 'standby') {
    if (Date.now() > deadline) throw new Error('no return to standby within 30 s after the loss ended');
    await sleep(200);
  }
  const { promotions } = (await current.status()).counters;
  await expectOutcome(current, { role: 'standby', promotions, demotions: promotions });
  if (promotions > 0) {
    // A push-back that failed under the loss is retried, at most a minute apart.
    await expect.poll(async () => (await current.status()).unpushed, { timeout: 75_000 }).toBeUndefined();
    expectWritePushed(current, 'main');
  }
  return promotions;
}

it('20 % loss over 80 probes: promotions only after the runs the detector asked for, no more than p allows', async () => {
  const { monitor, p, n } = await underLoss(20, 80);
  // The loss is real (p ≈ 0.13 expected; below 0.02 over 80 probes would mean no loss at all).
  expect(p).toBeGreaterThan(0.02);
  const current = lab as ChaosLab;
  const promotions = await settlesInStandby(current);
  // Exactly one promotion per run that reached the detector's threshold of the moment, none otherwise.
  const runs = monitor.events('probe-failed').filter((l) => l.failures === l.threshold);
  expect(runs.every((l) => Number(l.threshold) >= TIMINGS.failThreshold)).toBe(true);
  expect(promotions).toBe(runs.length);
  // Upper end of p (4 standard errors), then a Poisson tail of 1e-6 over n chances.
  const pHigh = Math.min(1, p + 4 * Math.sqrt((p * (1 - p)) / n));
  expect(promotions).toBeLessThanOrEqual(poissonBound(n * pHigh ** TIMINGS.failThreshold, 1e-6));
}, 240_000);

it('50 % loss: each promotion after the run the detector asked for, cycling bounded by flap damping; all back after healing', async () => {
  const started = Date.now();
  const { monitor, p } = await underLoss(50, 40);
  const seconds = (Date.now() - started) / 1000;
  expect(p).toBeGreaterThan(0.3);
  const current = lab as ChaosLab;
  const promotions = await settlesInStandby(current);
  expect(promotions).toBe(monitor.events('probe-failed').filter((l) => l.failures === l.threshold).length);
  // Hold-down i is minActive·2^(i-1): n promotions need ≥ minActive·(2^(n-1) − 1) seconds.
  expect(promotions).toBeLessThanOrEqual(1 + Math.log2(seconds / TIMINGS.minActiveSeconds + 1));
}, 240_000);
