// The primary's process fails in the ways a real one does: killed, frozen, slow. The standby's
// monitor (the built bundle) runs in its own namespace and probes across a veth link.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChaosLab } from '../../lab/chaos-lab.js';
import { SCALED_DEFAULTS } from '../../lab/monitor-config.js';
import { requireNetns } from '../../lab/netns.js';
import { expectOutcome, expectWritePushed } from './outcome.js';

let lab: ChaosLab | undefined;
beforeAll(requireNetns);
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

async function standbyWatching(): Promise<{ lab: ChaosLab; monitor: ReturnType<ChaosLab['startMonitor']> }> {
  lab = await ChaosLab.create({ timings: SCALED_DEFAULTS });
  const monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
  return { lab, monitor };
}

describe('chaos: the primary process fails', () => {
  it('kill -9: promotes once, demotes once the primary is back, pushes the write to main', async () => {
    const { lab, monitor } = await standbyWatching();
    await lab.requirePrimary().kill();
    const decision = await monitor.waitForTransition('promoting', 10_000);
    expect(decision.reason).toMatch(/^primary down for \d+ consecutive probes over [\d.]+ s$/);
    await monitor.waitForTransition('active', 10_000);
    await lab.startPrimary();
    await monitor.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });

  it('hang (SIGSTOP: connections accepted, never answered), then SIGCONT: one failover and back', async () => {
    const { lab, monitor } = await standbyWatching();
    lab.requirePrimary().signal('SIGSTOP');
    await monitor.waitForTransition('active', 10_000);
    expect(monitor.events('primary-health').at(-1)).toMatchObject({ to: 'down' });
    lab.requirePrimary().signal('SIGCONT');
    await monitor.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });

  it('slow answers: below the probe timeout nothing happens, above it the standby takes over', async () => {
    const { lab, monitor } = await standbyWatching();
    // 0.15 s against a 0.5 s timeout: slow but alive, for 20 probes.
    await lab.primaryMode('slow 150');
    await lab.waitForProbes(20, 20_000);
    expect(monitor.events('transition')).toEqual([]);
    expect(monitor.events('primary-health').map((l) => l.to)).toEqual(['up']);

    await lab.primaryMode('slow 1500');
    await monitor.waitForTransition('active', 10_000);
    await lab.primaryMode('up');
    await monitor.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });
});
