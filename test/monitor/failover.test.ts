// The built bundle as a real child process, against a primary stand-in that fails in the ways a
// real one does, managing a real (fake-gateway) child process. Intervals are scaled to 0.1 s.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { isListening } from '../../lab/ports.js';
import { DRILL_SECONDS_RULE } from '../../monitor/src/drill-seconds.js';

let lab: MonitorLab;
beforeEach(async () => {
  lab = await MonitorLab.create();
});
afterEach(() => lab.cleanup());

const startMonitor = () => lab.startMonitor();
const gatewayStarts = () => lab.gatewayStarts();
const writeConfig = (overrides?: Parameters<MonitorLab['writeConfig']>[0]) => lab.writeConfig(overrides);

describe('failover with the real bundle', () => {
  it('stays standby while the primary is up, promotes when it dies, demotes after the hysteresis', async () => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await new Promise((r) => setTimeout(r, 800));
    expect(m.events('transition')).toEqual([]);
    expect(await isListening(lab.gatewayPort)).toBe(false);

    const killedAt = Date.now();
    await lab.primary.stop();
    const decision = await m.waitForTransition('promoting', 5000);
    await m.waitForTransition('active', 10_000);
    const activeAt = Date.now();
    expect(decision.reason).toMatch(/^primary down for \d+ consecutive probes over [\d.]+ s$/);
    expect(await isListening(lab.gatewayPort)).toBe(true);
    expect(activeAt - killedAt).toBeLessThan(8000);

    await lab.primary.start();
    await m.waitForTransition('standby', 10_000);
    expect(await isListening(lab.gatewayPort)).toBe(false);
    expect(gatewayStarts()).toHaveLength(1);
    const status = JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout);
    expect(status).toMatchObject({ role: 'standby', counters: { promotions: 1, demotions: 1 } });
  });

  it.each([
    ['hangs (accepts and never answers)', 'hang'],
    ['answers garbage', 'garbage'],
  ] as const)('promotes when the primary %s', async (_what, mode) => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    lab.primary.mode = mode;
    await m.waitForTransition('active', 10_000);
    expect(m.events('primary-health').at(-1)).toMatchObject({ to: 'down' });
  });

  it('treats a degraded primary as alive under promoteOn "down" and as failing under "unready"', async () => {
    lab.primary.mode = 'degraded';
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'primary-health' && l.to === 'degraded', 5000);
    await new Promise((r) => setTimeout(r, 800));
    expect(m.events('transition')).toEqual([]);
    await m.stop();

    writeConfig({ promoteOn: 'unready', stateFile: join(lab.dir, 'strict', 'state.json') });
    const strict = startMonitor();
    await strict.waitForTransition('active', 10_000);
    expect(strict.events('primary-health')[0]).toMatchObject({ to: 'degraded', failing: ['telegram'] });
  });

  it('a monitor SIGKILLed while active comes back active without a second gateway', async () => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    await m.stop('SIGKILL');
    expect(await isListening(lab.gatewayPort)).toBe(true);

    const again = startMonitor();
    const start = await again.waitFor((l) => l.event === 'monitor-start', 5000);
    expect(start).toMatchObject({ role: 'active', gatewayRunning: true });
    await new Promise((r) => setTimeout(r, 800));
    expect(again.events('gateway-starting')).toEqual([]);
    expect(gatewayStarts()).toHaveLength(1);
    expect(JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout).role).toBe(
      'active',
    );
  });

  it('stopping the monitor with SIGTERM leaves a promoted gateway serving', async () => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    await lab.primary.stop();
    await m.waitForTransition('active', 10_000);
    expect(await m.stop('SIGTERM')).toBe(0);
    expect(m.events('shutdown')).toHaveLength(1);
    expect(await isListening(lab.gatewayPort)).toBe(true);
  });

  it('hold prevents promotion until release; drill promotes a healthy pair and reports timings', async () => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    expect(await runCli(['hold', '--listen', lab.listen])).toMatchObject({ code: 0 });
    await lab.primary.stop();
    await m.waitFor((l) => l.event === 'probe-failed' && (l.failures as number) >= 6, 5000);
    expect(m.events('transition').map((t) => t.to)).toEqual(['held']);
    expect(await runCli(['hold', '--listen', lab.listen])).toMatchObject({
      code: 1,
      stdout: /refused: already held/,
    });
    expect(await runCli(['release', '--listen', lab.listen])).toMatchObject({ code: 0 });
    await m.waitForTransition('active', 10_000);
    expect(await runCli(['drill', '--listen', lab.listen])).toMatchObject({
      code: 1,
      stderr: /drill refused/,
    });

    await lab.primary.start();
    await m.waitFor((l) => l.event === 'transition' && l.from === 'demoting', 10_000);
    // Out of bounds, refused by the verb and by the endpoint with the one rule both check.
    for (const seconds of ['0', '86400.5']) {
      const refused = await runCli(['drill', '--seconds', seconds, '--listen', lab.listen]);
      expect(refused.code, seconds).toBe(64);
      expect(refused.stderr, seconds).toContain(`--seconds: ${DRILL_SECONDS_RULE}\n`);
    }
    const tooLong = await fetch(`http://${lab.listen}/drill?seconds=86400.5`, { method: 'POST' });
    expect(tooLong.status).toBe(409);
    expect(await tooLong.json()).toMatchObject({ ok: false, error: DRILL_SECONDS_RULE, role: 'standby' });
    const drill = await runCli(['drill', '--seconds', '0.5', '--listen', lab.listen]);
    expect(drill.stdout + drill.stderr).toMatch(/\| standby gateway ready \| \d+\.\d \|/);
    expect(drill.stdout).toContain('drill passed');
    expect(drill.code).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout);
    expect(status.lastDrill).toMatchObject({ ok: true });
    expect(status.counters).toMatchObject({ promotions: 1, demotions: 1, drills: 1 });
  });

  it('serves Prometheus metrics and a human status', async () => {
    const m = startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    const metrics = await (await fetch(`http://${lab.listen}/metrics`)).text();
    expect(metrics).toContain('openclaw_failover_role{role="standby"} 1');
    expect(metrics).toMatch(/openclaw_failover_probes_total\{result="up"\} \d+/);
    expect((await runCli(['status', '--listen', lab.listen])).stdout).toMatch(/^role {8}standby since/);
  });
});
