// The built bundle reloading its config on SIGHUP while it counts a primary's failing probes:
// the same process goes on, the count goes on, the new threshold decides. Intervals are 0.1 s.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';

let lab: MonitorLab;
beforeEach(async () => {
  lab = await MonitorLab.create();
});
afterEach(() => lab.cleanup());

describe('kill -HUP on the running bundle', () => {
  it('keeps the failures counted so far, and the new threshold promotes', async () => {
    lab.writeConfig({ failThreshold: 30 });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitFor((l) => l.event === 'probe-failed' && Number(l.failures) >= 3, 5000);
    const counted = Number(m.events('probe-failed').at(-1)?.failures);
    const threshold = counted + 5;

    lab.writeConfig({ failThreshold: threshold });
    m.child.kill('SIGHUP');
    await m.waitFor((l) => l.event === 'config-reloaded', 5000);
    const promoting = await m.waitForTransition('promoting', 5000);

    expect(promoting.reason).toMatch(new RegExp(`^primary down for ${threshold} consecutive probes over `));
    // One count from the first failing probe to the promotion, across the reload.
    const failed = m.events('probe-failed');
    expect(failed.map((l) => l.failures)).toEqual(Array.from({ length: threshold }, (_, i) => i + 1));
    expect(failed.slice(0, counted).every((l) => l.threshold === 30)).toBe(true);
    expect(failed.at(-1)?.threshold).toBe(threshold);
    expect(m.events('config-reloaded')[0]).toMatchObject({ changed: ['failThreshold'], role: 'standby' });
    expect(m.events('started')).toHaveLength(1);
    expect(m.running).toBe(true);
  });

  it('refuses a bad file without logging its values, and a restart-only change, keeping the old config', async () => {
    lab.writeConfig({ failThreshold: 30 });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);

    const secret = 'secret-hook-7f3e';
    lab.writeConfig({ failThreshold: 0, notify: [{ type: 'webhook', url: `hooks.example.test/${secret}` }] });
    m.child.kill('SIGHUP');
    const invalid = await m.waitFor((l) => l.event === 'config-reload-refused', 5000);
    expect(invalid.error).toMatch(/failThreshold: .*notify\.0\.url: /);

    lab.writeConfig({ failThreshold: 2, status: { listen: '127.0.0.1:1' } });
    m.child.kill('SIGHUP');
    const restart = await m.waitFor((l) => l.event === 'config-reload-refused' && l !== invalid, 5000);
    expect(restart.restartNeeded).toEqual(['status']);

    const status = JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout);
    expect(status.policy.failThreshold).toBe(30);
    expect(m.events('config-reloaded')).toEqual([]);
    expect(m.running).toBe(true);
    expect(JSON.stringify(m.lines) + m.output).not.toContain(secret);
  });

  it('probes the new primary address from the reload on, in the same process', async () => {
    lab.writeConfig({ primary: { url: 'http://127.0.0.1:1', timeoutSeconds: 0.3 }, failThreshold: 50 });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'probe-failed' && Number(l.failures) >= 2, 5000);
    lab.writeConfig({ failThreshold: 50 });
    m.child.kill('SIGHUP');
    await m.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 5000);
    expect(m.events('config-reloaded')[0]).toMatchObject({ changed: ['primary'] });
    const status = JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout);
    expect(status.primary).toMatchObject({ url: lab.primary.url, health: 'up', consecutiveFailures: 0 });
    expect(status.counters.probes.down).toBeGreaterThanOrEqual(2);
    expect(m.events('started')).toHaveLength(1);
  });
});
