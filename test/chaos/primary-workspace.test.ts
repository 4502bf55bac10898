// What a failover loses, with the primary's side on: the product's push script runs on the
// primary's host every 2 s while a writer appends to the workspace every 100 ms; the host dies
// (writer, push in flight and gateway at once); the standby promotes and serves what it pulled.
// Then the host comes back: its push merges what the standby wrote while serving.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ChaosLab } from '../../lab/chaos-lab.js';
import { SCALED_DEFAULTS, WRITTEN_FILE } from '../../lab/monitor-config.js';
import { requireNetns } from '../../lab/netns.js';
import { newestJournalEntry, PrimaryWorkspace, primaryWorkspacePath } from '../../lab/primary-workspace.js';
import { expectOutcome } from './outcome.js';
import { until } from './until.js';

const PUSH_INTERVAL_SECONDS = 2;

let lab: ChaosLab | undefined;
let primarySide: PrimaryWorkspace | undefined;
beforeAll(requireNetns);
afterEach(async () => {
  await primarySide?.die();
  primarySide = undefined;
  await lab?.destroy();
  lab = undefined;
});

it('the standby serves the workspace at most one push interval behind, and the primary merges the failover back', async () => {
  const current = await ChaosLab.create({ timings: SCALED_DEFAULTS });
  lab = current;
  const { remote, files, pair } = current;
  if (!remote || !files.workspace) throw new Error('this scenario needs the workspace remote');
  const start = () => PrimaryWorkspace.start(pair.primaryNs, remote.url, pair.dir, PUSH_INTERVAL_SECONDS);
  primarySide = await start();
  const monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 10_000);
  await primarySide.pushes(2, 20_000);
  // Mid-interval: a second after the last push started.
  await new Promise((r) => setTimeout(r, 1000));

  const [diedAt] = await Promise.all([primarySide.die(), lab.requirePrimary().kill()]);
  primarySide = undefined;
  await monitor.waitForTransition('active', 15_000);
  const newest = newestJournalEntry(files.workspace);
  if (newest === undefined) throw new Error("the standby's workspace has no journal line from the primary");
  const lostMs = diedAt - newest;
  expect(
    lostMs,
    `the standby serves the workspace as it was ${lostMs} ms before the primary died`,
  ).toBeLessThan((PUSH_INTERVAL_SECONDS + 1.5) * 1000);

  // The host is back: the standby demotes and pushes back; the primary's next push merges it.
  await lab.startPrimary();
  primarySide = await start();
  await monitor.waitForTransition('standby', 20_000);
  const merged = join(primaryWorkspacePath(pair.dir), WRITTEN_FILE);
  await until(
    () => existsSync(merged),
    20_000,
    "the standby's failover write reaching the primary's workspace",
  );
  await expectOutcome(lab, { role: 'standby', promotions: 1, demotions: 1 });
});
