// The Daemon in-process with injected fakes: its failure policy and its use of the clock.
import { afterEach, describe, expect, it } from 'vitest';
import { EX_SOFTWARE } from '../../monitor/src/daemon.js';
import { type Harness, harness } from './daemon-fakes.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.daemon.stop();
  h = undefined;
});

async function failover(): Promise<Harness> {
  h = harness();
  await h.daemon.start();
  h.primary.health = 'down';
  const d = h;
  await d.until(() => d.daemon.state.role === 'active', 'active');
  return d;
}

describe('the daemon with fakes', () => {
  it('gives the core only the injected clock’s times', async () => {
    const d = await failover();
    const times = new Set(d.clockCalls);
    const { state } = d.daemon;
    expect(state.transitions.map((t) => t.to)).toEqual(['promoting', 'active']);
    for (const t of state.transitions) expect(times.has(t.at)).toBe(true);
    expect(times.has(state.since)).toBe(true);
    expect(times.has(state.primary.since)).toBe(true);
    expect(d.gateway.starts).toBe(1);
    expect(d.notified.map((n) => n.event)).toEqual(['promoting', 'active']);
  });

  it('a gateway check that throws is a failed check: logged, no verdict, the loop goes on', async () => {
    const d = await failover();
    d.gateway.checkError = new Error('systemctl is-active timed out');
    const seen = d.probes();
    await d.until(() => d.probes() >= seen + 5, 'five more probes');
    expect(d.events('gateway-check-failed')[0]).toMatchObject({
      level: 'warn',
      error: 'systemctl is-active timed out',
    });
    expect(d.daemon.state.role).toBe('active');
    expect(d.exits).toEqual([]);
    // Once the check answers again, a stopped gateway is noticed as before.
    d.gateway.checkError = undefined;
    d.gateway.running = false;
    await d.until(() => d.events('transition').length > 2, 'the gateway-died transition');
    expect(d.notified.map((n) => n.event)).toContain('gateway-died');
  });

  it('a failing save keeps the last good state, is logged once with its cause, and the loop goes on', async () => {
    h = harness();
    const d = h;
    await d.daemon.start();
    const lastGood = d.store.saved.at(-1);
    d.store.saveError = new Error('ENOSPC: no space left on device, write');
    d.primary.health = 'down';
    await d.until(() => d.daemon.state.role === 'active', 'active despite failing saves');
    expect(d.store.saved.at(-1)).toBe(lastGood);
    expect(d.events('state-save-failed')).toEqual([
      expect.objectContaining({ level: 'error', error: 'ENOSPC: no space left on device, write' }),
    ]);
    d.store.saveError = undefined;
    await d.until(() => d.store.saved.length > 0 && d.store.saved.at(-1) !== lastGood, 'a save');
    expect(d.events('state-saved')).toHaveLength(1);
    expect(d.exits).toEqual([]);
  });

  it('anything unexpected is fatal: a fatal event with the cause, then exit 70', async () => {
    h = harness();
    const d = h;
    await d.daemon.start();
    d.primary.probeError = new TypeError('a bug in the probe');
    await d.until(() => d.exits.length > 0, 'the exit');
    expect(d.exits).toEqual([EX_SOFTWARE]);
    expect(d.events('fatal')[0]).toMatchObject({ level: 'fatal', role: 'standby' });
    expect(String(d.events('fatal')[0]?.error)).toMatch(/^TypeError: a bug in the probe\n {4}at /);
  });

  it('a gateway check that throws at start fails the start (the CLI makes it fatal)', async () => {
    h = harness();
    h.gateway.checkError = new Error('cannot run systemctl');
    await expect(h.daemon.start()).rejects.toThrow('cannot run systemctl');
    h = undefined;
  });
});
