// The monitor itself is SIGKILLed halfway through a role change and restarted (as systemd does).
// It must reconcile with reality: a running gateway is adopted, never started twice; an
// interrupted demotion is finished, so the workspace still goes back to the remote.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChaosLab } from '../../lab/chaos-lab.js';
import { SCALED_DEFAULTS } from '../../lab/monitor-config.js';
import { requireNetns } from '../../lab/netns.js';
import { expectOutcome, expectWritePushed } from './outcome.js';
import { until } from './until.js';

let lab: ChaosLab | undefined;
beforeAll(requireNetns);
afterEach(async () => {
  await lab?.destroy();
  lab = undefined;
});

describe('chaos: the monitor is killed mid-way', () => {
  it('mid-promotion (gateway started, not ready yet): the restarted monitor adopts it', async () => {
    // 1.5 s before the gateway is ready: a wide window to kill the monitor in.
    lab = await ChaosLab.create({ timings: SCALED_DEFAULTS, gateway: { readyDelayMs: 1500 } });
    const pidFile = join(dirname(lab.files.stateFile), 'gateway.pid');
    const first = lab.startMonitor();
    await first.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
    await lab.requirePrimary().kill();
    await until(() => existsSync(pidFile) && lab?.gatewayStarts().length === 1, 10_000, 'gateway launched');
    await first.kill();
    expect(first.events('gateway-ready')).toEqual([]);

    const second = lab.startMonitor();
    const start = await second.waitFor((l) => l.event === 'monitor-start', 10_000);
    expect(start).toMatchObject({ role: 'promoting', gatewayRunning: true });
    const adopted = await second.waitForTransition('active', 10_000);
    expect(adopted.reason).toBe('monitor started with the gateway running');
    expect(second.events('gateway-starting')).toEqual([]);

    await lab.startPrimary();
    await second.waitForTransition('standby', 10_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });

  it('mid-demotion (gateway ignoring SIGTERM): the restarted monitor finishes the demotion', async () => {
    // The gateway outlives SIGTERM until stopTimeoutSeconds: the demotion is in flight for 3 s.
    lab = await ChaosLab.create({
      timings: SCALED_DEFAULTS,
      gateway: { ignoreSigterm: true, stopTimeoutSeconds: 3 },
    });
    const first = lab.startMonitor();
    await first.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
    await lab.requirePrimary().kill();
    await first.waitForTransition('active', 10_000);
    await lab.startPrimary();
    await first.waitFor((l) => l.event === 'gateway-stopping', 10_000);
    await first.kill();
    expect(lab.liveGateways()).toHaveLength(1);

    const second = lab.startMonitor();
    const start = await second.waitFor((l) => l.event === 'monitor-start', 10_000);
    expect(start).toMatchObject({ role: 'demoting', gatewayRunning: true });
    await second.waitForTransition('standby', 15_000);
    await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
    expectWritePushed(lab, 'main');
  });
});
