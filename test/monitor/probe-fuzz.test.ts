// Property-style: 300 random answers (fixed seed) from a raw server on 127.0.0.1, hostile in
// status, body, size, framing and pace. Each probe result is exactly what the readiness contract
// says, within the timeout, without throwing, and no body is read past the cap. Then 100 more,
// one a probe, to the running bundle: it counts each as the contract says, on schedule.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { httpGet, MAX_BODY_CHARS } from '../../monitor/src/http-get.js';
import { createProbe } from '../../monitor/src/probe.js';
import { prng } from './core-helpers.js';
import { type HostileCase, hostileCase } from './hostile-answers.js';
import { HostileServer } from './hostile-server.js';
import { checkpoint, expectUnharmed, fetchStatus, secretTokenFile } from './unharmed.js';

const CASES = 300;
// Run side by side: a slow case costs the whole timeout.
const BATCH = 30;
// Long enough that a well-formed answer is never late on a loaded machine (0.5 s was, once).
const TIMEOUT_SECONDS = 1.5;
// What a loaded machine may add to the timeout before a probe's promise settles.
const SLACK_MS = 1500;

describe('the probe against 300 random hostile answers', () => {
  const server = new HostileServer();
  const rnd = prng(20261205);
  beforeAll(async () => {
    for (let i = 0; i < CASES; i++) server.cases.push(hostileCase(rnd, MAX_BODY_CHARS));
    await server.start();
  });
  afterAll(() => server.stop());

  it('covers every result and every pace', () => {
    const count = (f: (c: HostileCase) => boolean) => server.cases.filter(f).length;
    expect(count((c) => c.expected.health === 'up')).toBeGreaterThan(30);
    expect(count((c) => c.expected.health === 'degraded')).toBeGreaterThan(30);
    expect(count((c) => c.expected.failing.length > 0)).toBeGreaterThan(10);
    expect(count((c) => c.expected.health === 'down')).toBeGreaterThan(150);
    expect(count((c) => c.slow)).toBeGreaterThan(10);
  });

  // Each case is asked twice at once: by the probe, for its result, and by a bare GET, for the body.
  it('answers each as the contract says, within the timeout, never throwing, reading no body past the cap', async () => {
    const timeoutMs = TIMEOUT_SECONDS * 1000;
    const results: string[] = [];
    const check = async (c: HostileCase, url: string) => {
      const probe = createProbe({ url, timeoutSeconds: TIMEOUT_SECONDS });
      const started = performance.now();
      // A probe that never settles is named here rather than left to the test's own timeout.
      const hung = sleep(timeoutMs + SLACK_MS + 1000, 'hung' as const);
      const result = await Promise.race([probe(), hung]);
      const ms = performance.now() - started;
      if (result === 'hung') throw new Error(`the probe never settled: ${c.label}`);
      expect(['up', 'degraded', 'down'], c.label).toContain(result.health);
      const failing = 'failing' in result ? result.failing : undefined;
      expect({ health: result.health, failing }, c.label).toEqual(c.expected);
      expect(ms, c.label).toBeLessThan(timeoutMs + SLACK_MS);
      results.push(result.health);
    };
    const capped = async (c: HostileCase, url: string) => {
      const answer = await httpGet(new URL('readyz', `${url}/`), { timeoutMs }).catch(() => undefined);
      if (!answer) return;
      expect(answer.body.length, c.label).toBeLessThanOrEqual(MAX_BODY_CHARS);
      if (c.steps.some((s) => 'endless' in s)) expect(answer.truncated, c.label).toBe(true);
    };
    for (let from = 0; from < CASES; from += BATCH) {
      const batch = server.cases.slice(from, from + BATCH);
      await Promise.all(
        batch.flatMap((c, i) => [check(c, server.url(from + i)), capped(c, server.url(from + i))]),
      );
    }
    expect(results).toHaveLength(CASES);
  });

  it('leaves no connection open', async () => {
    const deadline = Date.now() + 5000;
    while (server.open > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(server.open).toBe(0);
  });
});

describe('the body cap, at its edge', () => {
  const server = new HostileServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());

  it.each([
    [MAX_BODY_CHARS, 'up'],
    [MAX_BODY_CHARS + 1, 'down'],
  ])('a ready document of %i characters is %s', async (chars, health) => {
    const head = '{"ready":true,"pad":"';
    const body = Buffer.from(`${head}${'x'.repeat(chars - head.length - 2)}"}`);
    expect(body.length).toBe(chars);
    server.cases.push({
      label: `${chars}`,
      steps: [
        { write: Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n`) },
        { write: body },
      ],
      expected: { health: 'up', failing: [] },
      slow: false,
    });
    const result = await createProbe({ url: server.url(server.cases.length - 1), timeoutSeconds: 2 })();
    expect(result.health).toBe(health);
  });
});

describe('the running bundle probing a primary that gives 100 random hostile answers in turn', () => {
  const CYCLE = 100;
  const INTERVAL_SECONDS = 0.1;
  const server = new HostileServer();
  let lab: MonitorLab;
  beforeAll(async () => {
    const rnd = prng(20261217);
    for (let i = 0; i < CYCLE; i++) server.cases.push(hostileCase(rnd, MAX_BODY_CHARS));
    await server.start();
    lab = await MonitorLab.create();
  });
  afterAll(async () => {
    await lab.cleanup();
    await server.stop();
  });

  it('counts each as the contract says, on schedule, standby, leaking nothing, its memory bounded', async () => {
    // A run of failures no threshold of 1000 sees: standby is the right role throughout.
    const primary = {
      url: server.url('cycle'),
      timeoutSeconds: TIMEOUT_SECONDS,
      tokenFile: secretTokenFile(lab),
    };
    lab.writeConfig({ primary, failThreshold: 1000, falsePromotionDays: 0 });
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    const from = await checkpoint(lab);
    const slow = server.cases.filter((c) => c.slow).length;
    // Each probe ends by its timeout and the next follows at the interval; generous beyond that.
    const bound = CYCLE * (INTERVAL_SECONDS + 0.2) + slow * TIMEOUT_SECONDS + 15;
    const deadline = performance.now() + bound * 1000;
    // Until the cases are played and a few ready answers after them are counted.
    let status = await fetchStatus(lab);
    const total = () =>
      status.counters.probes.up + status.counters.probes.degraded + status.counters.probes.down;
    while (total() < CYCLE + 3 && performance.now() < deadline) {
      await sleep(200);
      status = await fetchStatus(lab);
    }
    expect(server.cycled).toBe(CYCLE);
    expect(total()).toBeGreaterThanOrEqual(CYCLE + 3);

    const expected = (health: string) => server.cases.filter((c) => c.expected.health === health).length;
    expect(status.counters.probes).toEqual({
      up: expected('up') + total() - CYCLE,
      degraded: expected('degraded'),
      down: expected('down'),
    });
    await expectUnharmed(lab, m, from, { role: 'standby', intervalSeconds: INTERVAL_SECONDS, minProbes: 3 });
    expect(m.events('transition')).toEqual([]);
    // No answer is this machine's own failure.
    expect(m.events('probe-error')).toEqual([]);
  });
});
