// The bench's freshness row: how much of what the primary wrote a failover loses, with the
// primary's side on. The primary's host writes a journal line every 100 ms and runs the product's
// push script every `pushIntervalSeconds`; it dies at a random phase of that interval, and once
// the standby has promoted (pulling the remote), the gap between the death and the newest line it
// serves is what was lost.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosLab } from '../../lab/chaos-lab.js';
import { newestJournalEntry, PrimaryWorkspace } from '../../lab/primary-workspace.js';
import { watching } from './labs.js';

/** Seconds of the primary's writes the promoted standby does not have. */
export async function lostSeconds(
  lab: ChaosLab,
  pushIntervalSeconds: number,
  timeoutMs: number,
): Promise<number> {
  const { remote, files, pair } = lab;
  if (!remote || !files.workspace) throw new Error('the freshness run needs the workspace remote');
  const primarySide = await PrimaryWorkspace.start(pair.primaryNs, remote.url, pair.dir, pushIntervalSeconds);
  const monitor = lab.startMonitor();
  await watching(monitor);
  await primarySide.pushes(1, timeoutMs);
  await sleep(Math.random() * pushIntervalSeconds * 1000);
  const [diedAt] = await Promise.all([primarySide.die(), lab.requirePrimary().kill()]);
  await monitor.waitForTransition('active', timeoutMs);
  const newest = newestJournalEntry(files.workspace);
  if (newest === undefined) throw new Error("the standby's workspace has none of the primary's writes");
  return (diedAt - newest) / 1000;
}
