// The Daemon's reload (SIGHUP) in-process with injected fakes: what it keeps, what applies, what
// it refuses, and that no refusal logs a value of the file.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness } from './daemon-fakes.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.daemon.stop();
  h = undefined;
});

async function started(...args: Parameters<typeof harness>): Promise<Harness> {
  h = harness(...args);
  await h.daemon.start();
  return h;
}

/** Holds the probe answers back, once the failing probes in flight have been counted. */
async function pauseProbes(d: Harness): Promise<number> {
  d.primary.hang = true;
  await new Promise((r) => setTimeout(r, 100));
  return d.daemon.state.failures;
}

describe('reloading the config in place', () => {
  it('keeps the failures counted so far, and the new threshold decides the promotion', async () => {
    // No minimum outage: the count alone decides here.
    const d = await started({ failThreshold: 50, minOutageSeconds: 0 });
    d.primary.health = 'down';
    await d.until(() => d.daemon.state.failures >= 3, 'three failing probes');
    const failures = await pauseProbes(d);

    d.configFile.document = { ...d.configFile.document, failThreshold: failures + 2 };
    expect(d.daemon.reload()).toBe('applied');
    expect(d.daemon.state.failures).toBe(failures);
    expect(d.daemon.state.role).toBe('standby');
    expect(d.daemon.config.failThreshold).toBe(failures + 2);
    expect(d.events('config-reloaded')[0]).toMatchObject({ changed: ['failThreshold'], role: 'standby' });

    d.primary.hang = false;
    await d.until(() => d.daemon.state.role !== 'standby', 'the promotion');
    expect(d.daemon.state.transitions[0]?.reason).toMatch(
      new RegExp(`^primary down for ${failures + 2} consecutive probes over `),
    );
    expect(d.exits).toEqual([]);
  });

  it('a new interval applies to the probe being waited for', async () => {
    const d = await started({ checkIntervalSeconds: 3600 });
    await d.until(() => d.probes() === 1, 'the first probe');
    await new Promise((r) => setTimeout(r, 100));
    expect(d.probes()).toBe(1);
    d.configFile.document = { ...d.configFile.document, checkIntervalSeconds: 0.02 };
    expect(d.daemon.reload()).toBe('applied');
    await d.until(() => d.probes() >= 5, 'probes every 20 ms');
  });

  it('refuses an invalid file naming the bad keys, logs none of its values, and keeps the old config', async () => {
    const d = await started({ failThreshold: 50 });
    const secretHook = 'hooks.example.test/services/T000/B000/secret-3b9f';
    d.configFile.document = {
      ...d.configFile.document,
      failThreshold: 0,
      promoteOn: 'secret-promote-9c1e',
      notify: [{ type: 'webhook', url: secretHook }],
    };
    expect(d.daemon.reload()).toBe('refused');
    const [refused] = d.events('config-reload-refused');
    expect(refused).toMatchObject({ level: 'error', role: 'standby' });
    expect(refused?.error).toMatch(/failThreshold: .*promoteOn: .*notify\.0\.url: /);
    expect(JSON.stringify(d.logs)).not.toMatch(/secret-/);
    expect(d.daemon.config.failThreshold).toBe(50);
    expect(d.events('config-reloaded')).toEqual([]);
  });

  it('refuses a file that does not fit the watchdog, naming checkIntervalSeconds', async () => {
    const d = await started({}, { watchdogSeconds: 10 });
    d.configFile.document = { ...d.configFile.document, checkIntervalSeconds: 30 };
    expect(d.daemon.reload()).toBe('refused');
    expect(d.events('config-reload-refused')[0]?.error).toMatch(/^checkIntervalSeconds: 30 s does not fit/);
    expect(d.daemon.config.checkIntervalSeconds).toBe(0.02);
  });

  it('refuses a whole file that changes a restart-only key, saying a restart is needed', async () => {
    // No minimum outage: the count alone decides here.
    const d = await started({ failThreshold: 50, minOutageSeconds: 0 });
    d.primary.health = 'down';
    await d.until(() => d.daemon.state.failures >= 2, 'two failing probes');
    d.configFile.document = {
      ...d.configFile.document,
      failThreshold: 2,
      stateFile: '/elsewhere/state.json',
      status: { listen: '127.0.0.1:18799' },
    };
    expect(d.daemon.reload()).toBe('refused');
    expect(d.events('config-reload-refused')[0]).toMatchObject({
      restartNeeded: ['stateFile', 'status'],
      error: expect.stringMatching(/^stateFile, status changed, which only a restart applies/),
    });
    // Nothing of that file applies: not even the threshold it also lowers.
    expect(d.daemon.config.failThreshold).toBe(50);
    await new Promise((r) => setTimeout(r, 100));
    expect(d.daemon.state.role).toBe('standby');
  });

  it('reloads while active without touching the gateway or the role', async () => {
    const d = await started();
    d.primary.health = 'down';
    await d.until(() => d.daemon.state.role === 'active', 'active');
    const { activeSince, counters } = d.daemon.state as { activeSince: number; counters: object };
    d.configFile.document = { ...d.configFile.document, recoverThreshold: 7, minActiveSeconds: 60 };
    expect(d.daemon.reload()).toBe('applied');
    expect(d.daemon.state).toMatchObject({ role: 'active', activeSince, counters });
    expect(d.gateway.starts).toBe(1);
    expect(d.gateway.running).toBe(true);
  });
});
