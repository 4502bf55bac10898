// A primary that flaps: 3 check intervals answering with a reset connection, then 1 healthy, repeating.
// Our thresholds (recoverThreshold 3) never see 3 healthy probes in a row, so they promote once
// and stay; the seed's (demote on the first success, no minimum) bounce with the primary. Both
// run side by side on the same pattern, so the test also proves the pattern really flaps.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ChaosLab } from '../../lab/chaos-lab.js';
import { SCALED_DEFAULTS } from '../../lab/monitor-config.js';
import { requireNetns } from '../../lab/netns.js';
import { expectOutcome } from './outcome.js';

const labs: ChaosLab[] = [];
beforeAll(requireNetns);
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.destroy()));
});

async function flappingPair(timings: typeof SCALED_DEFAULTS): Promise<ChaosLab> {
  const lab = await ChaosLab.create({ timings, workspace: false });
  labs.push(lab);
  await lab.startMonitor().waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
  // 3 check intervals down, 1 up, in time: the confirm burst probes faster than that.
  const interval = timings.checkIntervalSeconds * 1000;
  await lab.primaryMode(`flap ${3 * interval} ${interval}`);
  return lab;
}

it('flapping 3 down / 1 up: ours promotes once and never cycles; the seed cycles', async () => {
  const ours = await flappingPair(SCALED_DEFAULTS);
  const seed = await flappingPair({
    ...SCALED_DEFAULTS,
    recoverThreshold: 1,
    minActiveSeconds: 0,
    falsePromotionDays: 0,
    confirmIntervalSeconds: 0,
    minOutageSeconds: 0,
  });
  // 60 probes each: 15 flap periods.
  await Promise.all([ours.waitForProbes(60, 30_000), seed.waitForProbes(60, 30_000)]);

  await expectOutcome(ours, { role: 'active', promotions: 1, demotions: 0 });
  const { promotions, demotions } = (await seed.status()).counters;
  expect(promotions).toBeGreaterThanOrEqual(3);
  expect(demotions).toBeGreaterThanOrEqual(promotions - 1);
});
