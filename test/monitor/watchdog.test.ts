// The systemd watchdog on its own timer: pinged while the control loop makes progress, whatever
// its interval; silent once the loop hangs; a config that cannot fit the period refused at start.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { ConfigError, parseConfig } from '../../monitor/src/config.js';
import { checkWatchdogFits } from '../../monitor/src/watchdog.js';
import { type Harness, harness } from './daemon-fakes.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.daemon.stop();
  h = undefined;
});

/** When each WATCHDOG=1 was sent (performance.now() ms), from the fake systemd's record. */
function pingTimes(d: Harness): number[] {
  const times: number[] = [];
  const record = d.systemd.push.bind(d.systemd);
  d.systemd.push = (...items: string[]) => {
    for (const item of items) if (item === 'watchdog') times.push(performance.now());
    return record(...items);
  };
  return times;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - (times[i] ?? t));

describe('the watchdog', () => {
  it('keeps a healthy monitor alive when the check interval is longer than the watchdog period', async () => {
    // Probes every 0.8 s, systemd wants a ping every 0.1 s: once a cycle would be too rare.
    h = harness({ checkIntervalSeconds: 0.8 }, { watchdogSeconds: 0.1 });
    const times = pingTimes(h);
    await h.daemon.start();
    await sleep(2000);
    expect(h.probes()).toBeGreaterThanOrEqual(2);
    // Every half period (50 ms), not once per probe: no gap near the interval, whatever a loaded
    // machine adds to a timer (up to ~0.2 s measured while the whole suite runs).
    expect(times.length).toBeGreaterThanOrEqual(15);
    expect(Math.max(...gaps(times))).toBeLessThan(400);
  });

  it('stops pinging once the control loop hangs, so systemd restarts it', async () => {
    h = harness({ checkIntervalSeconds: 0.1 }, { watchdogSeconds: 0.1 });
    const times = pingTimes(h);
    await h.daemon.start();
    await sleep(300);
    expect(times.length).toBeGreaterThan(3);
    h.primary.hang = true;
    const hungAt = performance.now();
    // The longest healthy stall here is 0.1 s interval + 0.05 s timeout + 1 s margin.
    await sleep(1800);
    const last = times.at(-1) ?? 0;
    expect(last - hungAt).toBeLessThan(1300);
    expect(performance.now() - last).toBeGreaterThan(400);
    expect(h.daemon.loopAlive()).toBe(false);
    h.primary.hang = false; // lets stop() finish
  });

  it('refuses a config whose loop cannot fit the watchdog period, naming checkIntervalSeconds', () => {
    const config = (checkIntervalSeconds: number) =>
      parseConfig({
        primary: { url: 'http://100.101.102.103:18789', timeoutSeconds: 2 },
        checkIntervalSeconds,
        gateway: { manager: 'systemd', unit: 'openclaw.service', readyUrl: 'http://127.0.0.1:18789/readyz' },
        stateFile: '/var/lib/openclaw-failover/state.json',
      });
    expect(() => checkWatchdogFits(config(5), 60)).not.toThrow();
    expect(() => checkWatchdogFits(config(30), 60)).not.toThrow();
    expect(() => checkWatchdogFits(config(30), undefined)).not.toThrow();
    expect(() => checkWatchdogFits(config(20), 30)).toThrow(ConfigError);
    expect(() => checkWatchdogFits(config(20), 30)).toThrow(
      /^checkIntervalSeconds: 20 s does not fit the systemd watchdog \(WatchdogSec=30\).*at most 17 s fits$/,
    );
    expect(() => checkWatchdogFits(config(5), 10)).toThrow(/raise WatchdogSec$/);
  });
});

describe('the bundle against the watchdog period', () => {
  const dir = mkdtempSync(join(tmpdir(), 'watchdog-'));
  const file = join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      primary: { url: 'http://127.0.0.1:1', timeoutSeconds: 2 },
      checkIntervalSeconds: 20,
      gateway: { manager: 'systemd', unit: 'openclaw.service', readyUrl: 'http://127.0.0.1:18789/readyz' },
      stateFile: join(dir, 'state.json'),
    }),
  );

  it('check-config exits 78 naming checkIntervalSeconds when --watchdog-seconds is too short', async () => {
    expect((await runCli(['check-config', file, '--watchdog-seconds', '60'])).code).toBe(0);
    const r = await runCli(['check-config', file, '--watchdog-seconds', '30']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(
      /checkIntervalSeconds: 20 s does not fit the systemd watchdog \(WatchdogSec=30\)/,
    );
  });

  it('run exits 78 naming checkIntervalSeconds when the WATCHDOG_USEC systemd sets is too short', async () => {
    const r = await runCli(['run', '--config', file], {
      ...process.env,
      NOTIFY_SOCKET: join(dir, 'none.sock'),
      WATCHDOG_USEC: '30000000',
    });
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/checkIntervalSeconds: 20 s/);
  });
});
