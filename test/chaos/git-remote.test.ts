// The workspace's git remote is unreachable (its daemon is down, connections refused) across a
// whole failover: the promotion must not wait for it, and what the gateway wrote stays committed
// locally until a retry from standby, once the remote is back, delivers it.
import { afterEach, beforeAll, expect, it } from 'vitest';
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

it('remote unreachable: promotes anyway, logs sync-failed, the standby pushes the change once the remote is back', async () => {
  lab = await ChaosLab.create({ timings: SCALED_DEFAULTS });
  const remote = lab.remote;
  if (!remote) throw new Error('this scenario needs the workspace remote');
  const monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);

  await remote.stop();
  await lab.requirePrimary().kill();
  await monitor.waitForTransition('active', 10_000);
  expect(monitor.events('sync-failed')).toMatchObject([{ what: 'pull' }]);
  await lab.startPrimary();
  await monitor.waitForTransition('standby', 10_000);
  expect(monitor.events('sync-failed')).toMatchObject([{ what: 'pull' }, { what: 'push' }]);
  expect(lab.remoteCopies()).toEqual([]);
  expect((await lab.status()).unpushed).toMatchObject({ lastError: expect.any(String) });

  // The remote is back: a retry from standby delivers the commit, no second failover needed.
  await remote.serve();
  await monitor.waitFor((l) => l.event === 'push-retry-landed', 30_000);
  await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
  expectWritePushed(lab, 'main');
  expect((await lab.status()).unpushed).toBeUndefined();
});
