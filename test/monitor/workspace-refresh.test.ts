// The standby's background fetch: only when due, standby and after an up probe; a failure logged
// once per cause, the recovery once, and the last good fetch kept for status meanwhile.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../monitor/src/log.js';
import type { WorkspaceSync } from '../../monitor/src/workspace.js';
import { WorkspaceRefresh } from '../../monitor/src/workspace-refresh.js';

const INTERVAL = 60;

/** A refresh whose fetches answer from `script` in turn (an Error: that fetch fails). */
function lab(script: (number | Error)[]) {
  const logs: { event: string; error?: string }[] = [];
  const log = createLogger('debug', { write: (line: string) => void logs.push(JSON.parse(line)) });
  let now = 1000;
  let fetches = 0;
  const workspace = {
    fetch: async () => {
      const next = script[fetches++];
      if (next instanceof Error) throw next;
      return { newestCommitAt: next ?? 0 };
    },
  } as WorkspaceSync;
  const refresh = new WorkspaceRefresh(log, () => now);
  /** The next interval's probe, `up` as standby unless told, and its fetch settled. */
  const probe = async (role: 'standby' | 'active' = 'standby', health: 'up' | 'down' = 'up') => {
    now += INTERVAL;
    refresh.afterProbe(role, health, workspace, INTERVAL);
    await new Promise((r) => setImmediate(r));
  };
  return { refresh, logs, probe, fetches: () => fetches, now: () => now };
}

describe('the background fetch of a standby', () => {
  it('logs a failure once per cause and the recovery once, showing the last good fetch meanwhile', async () => {
    const gone = new Error('remote gone');
    const l = lab([500, gone, gone, new Error('auth'), gone, 900, gone]);
    await l.probe();
    const good = { fetchedAt: l.now(), newestCommitAt: 500 };
    expect(l.refresh.freshness).toEqual(good);
    await l.probe();
    await l.probe();
    expect(l.refresh.freshness).toEqual({ ...good, lastError: 'remote gone' });
    await l.probe();
    await l.probe();
    expect(l.refresh.freshness).toEqual({ ...good, lastError: 'remote gone' });
    await l.probe();
    expect(l.refresh.freshness).toEqual({ fetchedAt: l.now(), newestCommitAt: 900 });
    await l.probe();
    expect(l.logs.map((e) => [e.event, e.error])).toEqual([
      ['workspace-fetch-failed', 'remote gone'],
      ['workspace-fetch-failed', 'auth'],
      ['workspace-fetch-failed', 'remote gone'],
      ['workspace-fetch-recovered', undefined],
      ['workspace-fetch-failed', 'remote gone'],
    ]);
  });

  it('fetches only as a standby after an up probe, once per interval', async () => {
    const l = lab([1, 2, 3]);
    await l.probe('active');
    await l.probe('standby', 'down');
    expect(l.fetches()).toBe(0);
    await l.probe();
    l.refresh.afterProbe('standby', 'up', {} as WorkspaceSync, INTERVAL); // not due yet
    expect(l.fetches()).toBe(1);
  });
});
