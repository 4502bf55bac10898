// A real OpenClaw primary restarting itself in process (SIGUSR2: what a config change that needs a
// restart, or an update, does): its port stays closed for seconds. Two built monitors watch it at
// 1 s probes: one with the default minOutageSeconds rides the restart out; one with a fixed rule
// of 2 and no minimum outage takes it for a death. So the default's reason is measured here, not only written down.
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MonitorProcess } from '../../lab/bundle.js';
import { FAKE_GATEWAY } from '../../lab/monitor-config.js';
import { startOpenclaw, waitForReady } from '../../lab/openclaw.js';
import { freePort } from '../../lab/ports.js';
import { POLICY_DEFAULTS } from '../../monitor/src/defaults.js';

const dir = mkdtempSync(join(tmpdir(), 'e2e-restart-'));
let primary: ChildProcess | undefined;
const monitors: MonitorProcess[] = [];

const killGroup = (pid: number | undefined) => {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {}
};

afterAll(async () => {
  await Promise.all(monitors.map((m) => m.stop('SIGKILL')));
  killGroup(primary?.pid);
  // A monitor leaves the gateway it promoted running (by design): the one that promoted has one.
  for (const pidFile of readdirSync(dir).map((name) => join(dir, name, 'gateway.pid'))) {
    if (existsSync(pidFile)) killGroup(Number(JSON.parse(readFileSync(pidFile, 'utf8')).pid));
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A monitor probing the primary every second; its standby gateway is the lab's fake one. */
async function watch(name: string, primaryPort: number, policy: object): Promise<MonitorProcess> {
  const home = join(dir, name);
  mkdirSync(home, { recursive: true });
  const gatewayPort = await freePort();
  const configFile = join(home, 'monitor.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      primary: { url: `http://127.0.0.1:${primaryPort}`, timeoutSeconds: 1 },
      checkIntervalSeconds: 1,
      ...policy,
      gateway: {
        manager: 'process',
        command: [process.execPath, FAKE_GATEWAY],
        env: { PORT: String(gatewayPort) },
        readyUrl: `http://127.0.0.1:${gatewayPort}/readyz`,
        startTimeoutSeconds: 10,
        stopTimeoutSeconds: 2,
      },
      stateFile: join(home, 'state.json'),
      status: { listen: `127.0.0.1:${await freePort()}` },
    }),
  );
  const monitor = new MonitorProcess(configFile);
  monitors.push(monitor);
  await monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 20_000);
  return monitor;
}

describe('a real OpenClaw primary restarting in process', () => {
  it('is no failover at the default minOutageSeconds; without a minimum outage it is one', async () => {
    const port = await freePort();
    primary = startOpenclaw(join(dir, 'primary'), port);
    await waitForReady(port, 120_000);
    const calm = await watch('calm', port, {});
    // A fixed rule of 2 at 1 s probes, no minimum outage: whatever the restart's length, once seen.
    const jumpy = await watch('jumpy', port, {
      minOutageSeconds: 0,
      falsePromotionDays: 0,
      failThreshold: 2,
    });

    const restartedAt = Date.now();
    process.kill(primary.pid as number, 'SIGUSR2');
    // The port closes within a second and opens again seconds later: wait until it answers ready.
    await calm.waitFor((l) => l.event === 'probe-failed', 10_000);
    await calm.waitFor((l) => l.event === 'primary-health' && l.to === 'up' && l.from !== 'unknown', 120_000);
    const backMs = Date.now() - restartedAt;
    await new Promise((r) => setTimeout(r, 3000));

    const run = calm.events('probe-failed');
    const longest = Math.max(...run.map((l) => Number(l.failingSeconds)));
    const ended = calm.events('failing-run-ended');
    console.log(
      `OpenClaw in-process restart: ${run.length} failed probes over ${longest} s, answering again ` +
        `after ${ended[0]?.seconds} s; ready ${backMs} ms after SIGUSR2`,
    );
    // The run's end is logged with what it cost.
    expect(ended).toHaveLength(1);
    expect(Number(ended[0]?.seconds)).toBeGreaterThan(longest);
    // The restart was seen (refused for seconds), shorter than the default minimum outage.
    expect(run.length).toBeGreaterThanOrEqual(2);
    expect(longest).toBeLessThan(POLICY_DEFAULTS.minOutageSeconds);
    expect(calm.events('transition'), JSON.stringify(run)).toEqual([]);
    // The same restart, judged by 2 failed probes in a row alone, promotes.
    expect(jumpy.events('transition')[0]).toMatchObject({ from: 'standby', to: 'promoting' });
  }, 300_000);
});
