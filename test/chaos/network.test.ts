// The network between the hosts fails while both processes live: latency from the userspace
// delay proxy, a partition by taking the primary's end of the veth link down.
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

describe('chaos: the network between primary and standby', () => {
  it('latency below the probe timeout is tolerated; above it the standby takes over until it drops', async () => {
    lab = await ChaosLab.create({ timings: SCALED_DEFAULTS, proxyDelayMs: 0 });
    const monitor = lab.startMonitor();
    await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
    // 100 ms each way, ~0.2 s a probe against a 0.5 s timeout.
    await lab.proxyDelay(100);
    await lab.waitForProbes(20, 20_000);
    expect(monitor.events('transition')).toEqual([]);

    // 400 ms each way: every probe times out.
    await lab.proxyDelay(400);
    const decision = await monitor.waitForTransition('promoting', 10_000);
    expect(decision.reason).toMatch(/^primary down for \d+ consecutive probes over [\d.]+ s$/);
    await monitor.waitForTransition('active', 10_000);
    await lab.proxyDelay(0);
    await monitor.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });

  it('partition and heal: promotes without the remote, parks its write on a failover/ branch', async () => {
    lab = await ChaosLab.create({ timings: SCALED_DEFAULTS });
    const remote = lab.remote;
    if (!remote) throw new Error('this scenario needs the workspace remote');
    const monitor = lab.startMonitor();
    await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);

    lab.pair.partition();
    await monitor.waitForTransition('active', 10_000);
    // The remote is across the cut link: the pull fails, the promotion goes on.
    expect(monitor.events('sync-failed')).toMatchObject([{ what: 'pull' }]);
    // Both sides serve (different channels) during a partition, and the primary keeps writing.
    remote.commitAsPrimary('primary-during-partition.md', 'the primary kept writing\n');

    lab.pair.heal();
    await monitor.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'failover/');
    expect(remote.find('primary-during-partition.md')).toContainEqual({
      branch: 'main',
      content: 'the primary kept writing\n',
    });
  });

  it('the standby alone cut off: it reaches no witness, so it refuses to promote, and watches on once back', async () => {
    lab = await ChaosLab.create({ timings: SCALED_DEFAULTS, witness: true, workspace: false });
    const monitor = lab.startMonitor();
    await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);

    lab.pair.isolateStandby();
    const refused = await monitor.waitFor((l) => l.event === 'promotion-refused', 20_000);
    expect(refused).toMatchObject({ cause: 'isolated' });
    expect(String(refused.error)).toContain('reaches none of its witnesses');
    // Refused again at each retry while it lasts, never started.
    await monitor.waitFor((l) => l.event === 'promotion-refused' && l.attempt === 2, 20_000);
    lab.pair.isolateStandby(true);
    await monitor.waitForTransition('standby', 20_000);
    // The decision counts as a promotion (as one whose start fails does); no gateway ever started.
    expect(monitor.events('gateway-starting')).toEqual([]);
    expect(lab.gatewayStarts()).toEqual([]);
    expect((await lab.status()).role).toBe('standby');
  });

  it('the primary alone cut off, with a witness: the witness answers, so the standby promotes', async () => {
    lab = await ChaosLab.create({ timings: SCALED_DEFAULTS, witness: true, workspace: false });
    const monitor = lab.startMonitor();
    await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
    lab.pair.partition();
    await monitor.waitForTransition('active', 20_000);
    expect(monitor.events('promotion-refused')).toEqual([]);
    lab.pair.heal();
    await monitor.waitForTransition('standby', 20_000);
  });
});
