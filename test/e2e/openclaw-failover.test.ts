// End to end with real OpenClaw gateways: the primary is a real gateway on loopback, the standby's
// gateway is a second real one that the built monitor starts with its process manager.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MonitorProcess } from '../../lab/bundle.js';
import { openclawGateway, startOpenclaw, waitForReady } from '../../lab/openclaw.js';
import { freePort, isListening } from '../../lab/ports.js';

const dir = mkdtempSync(join(tmpdir(), 'e2e-openclaw-'));
const killGroup = (pid: number | undefined) => {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {}
};

let primary: ChildProcess | undefined;
let monitor: MonitorProcess | undefined;
let standbyPid: number | undefined;

afterAll(async () => {
  await monitor?.stop('SIGKILL');
  killGroup(primary?.pid);
  killGroup(standbyPid);
  rmSync(dir, { recursive: true, force: true });
});

describe('failover between real OpenClaw gateways', () => {
  it('promotes the standby gateway when the primary is killed and demotes it when the primary is back', async () => {
    const primaryPort = await freePort();
    const standbyPort = await freePort();
    primary = startOpenclaw(join(dir, 'primary'), primaryPort);
    const primaryReadyMs = await waitForReady(primaryPort, 90_000);

    const standby = openclawGateway(join(dir, 'standby'), standbyPort);
    const configFile = join(dir, 'monitor.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        primary: { url: `http://127.0.0.1:${primaryPort}`, timeoutSeconds: 1 },
        checkIntervalSeconds: 1,
        failThreshold: 3,
        recoverThreshold: 2,
        minActiveSeconds: 2,
        gateway: {
          manager: 'process',
          command: standby.command,
          env: standby.env,
          readyUrl: `http://127.0.0.1:${standbyPort}/readyz`,
          startTimeoutSeconds: 90,
          stopTimeoutSeconds: 20,
        },
        stateFile: join(dir, 'monitor', 'state.json'),
        status: { listen: `127.0.0.1:${await freePort()}` },
      }),
    );
    monitor = new MonitorProcess(configFile);
    await monitor.waitFor((l) => l.event === 'started', 10_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(monitor.events('transition')).toEqual([]);

    const killedAt = Date.now();
    killGroup(primary.pid);
    await monitor.waitForTransition('promoting', 20_000);
    const decisionMs = Date.now() - killedAt;
    await monitor.waitForTransition('active', 120_000);
    const activeMs = Date.now() - killedAt;
    const ready = await fetch(`http://127.0.0.1:${standbyPort}/readyz`);
    expect(ready.status).toBe(200);
    standbyPid = Number(JSON.parse(readFileSync(join(dir, 'monitor', 'gateway.pid'), 'utf8')).pid);
    const rssKiB = Number(
      /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${monitor.child.pid}/status`, 'utf8'))?.[1],
    );

    const restartedAt = Date.now();
    primary = startOpenclaw(join(dir, 'primary'), primaryPort);
    await monitor.waitFor(
      (l) => l.event === 'transition' && l.from === 'demoting' && l.to === 'standby',
      180_000,
    );
    const demotedMs = Date.now() - restartedAt;
    expect(await isListening(standbyPort)).toBe(false);
    console.log(
      JSON.stringify({
        primaryReadyMs,
        killToDecisionMs: decisionMs,
        killToActiveMs: activeMs,
        primaryBackToStandbyMs: demotedMs,
        monitorRssKiB: rssKiB,
      }),
    );
    // Generous bounds: probes at 1 s until the run has lasted minOutageSeconds (8 s), then an
    // OpenClaw cold start (7-11 s measured on 2 vCPU).
    expect(decisionMs).toBeLessThan(14_000);
    expect(activeMs).toBeLessThan(100_000);
  }, 360_000);
});
