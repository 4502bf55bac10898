// Property-style: 1000 random hostile requests (fixed seed, hostile-requests.ts) over raw TCP to the
// status endpoint of the real bundle, beside a healthy primary. Each gets an HTTP answer (never a
// 5xx) or a clean close; the monitor keeps running and probing on schedule, stays standby, and
// no answer or log line carries the primary's token. Then a flood of connections that never
// finish a request: the daemon holds at most its cap of them, for seconds, and probes on.
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorProcess } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { parseListen, STATUS_LIMITS } from '../../monitor/src/status-server.js';
import { prng } from './core-helpers.js';
import { type HostileRequest, hostileRequest } from './hostile-requests.js';
import { exchange, HALF_SENT, statusCode } from './raw-http.js';
import { checkpoint, expectUnharmed, fetchStatus, SECRET, secretTokenFile } from './unharmed.js';

const CASES = 1000;
const BATCH = 25;
const INTERVAL_SECONDS = 0.1;

let lab: MonitorLab;
let monitor: MonitorProcess;
let port: number;

beforeAll(async () => {
  lab = await MonitorLab.create();
  const tokenFile = secretTokenFile(lab);
  lab.writeConfig({ primary: { url: lab.primary.url, timeoutSeconds: 0.3, tokenFile } });
  port = parseListen(lab.listen).port;
  monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'started', 5000);
});
afterAll(() => lab.cleanup());

/** The raw answer to one request, the client half-closing after it; undefined if none came in 10 s. */
const send = async (request: HostileRequest) =>
  (await exchange(port, request.bytes, { end: true, timeoutMs: 10_000 })).answer;

describe('the status endpoint of the running bundle against 1000 random hostile requests', () => {
  it('answers each (never 5xx) or closes, and keeps probing, standby, without the secret', async () => {
    const rnd = prng(20261213);
    const requests = Array.from({ length: CASES }, () => hostileRequest(rnd));
    // The command words reach the endpoint too, in targets that must not run them.
    const words = /^POST (?!\/drill\?seconds=)[^\r\n]*(hold|drill)/;
    expect(requests.filter((r) => words.test(r.bytes.toString('latin1'))).length).toBeGreaterThan(15);
    const before = await checkpoint(lab);
    const codes = new Map<string, number>();
    for (let from = 0; from < CASES; from += BATCH) {
      const batch = requests.slice(from, from + BATCH);
      const answers = await Promise.all(batch.map(send));
      batch.forEach((request, i) => {
        const answer = answers[i];
        expect(answer, `no answer nor close: ${request.label}`).toBeDefined();
        // An interim 100 Continue (Expect: 100-continue) comes before the answer itself.
        const final = (answer ?? '').replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
        const code = /^HTTP\/1\.[01] (\d{3}) /.exec(final)?.[1] ?? (final ? 'junk' : 'closed');
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(['closed', '200', '400', '404', '409', '413', '414', '417', '431'], request.label).toContain(
          code,
        );
        expect(answer, request.label).not.toContain(SECRET);
      });
      expect(monitor.running, `${monitor.output}`).toBe(true);
    }

    await expectUnharmed(lab, monitor, before, { role: 'standby', intervalSeconds: INTERVAL_SECONDS });
    expect(monitor.events('transition')).toEqual([]);
    expect(monitor.events('status-request-failed')).toEqual([]);
    // The probe really carried the token: it is the secret under test, not an unused one.
    expect(lab.primary.lastAuthorization).toBe(`Bearer ${SECRET}`);
    // Both answers and closes happened: the cases reach the parser and the handler alike.
    expect(codes.get('200')).toBeGreaterThan(10);
    expect(codes.get('400')).toBeGreaterThan(50);
    expect(codes.get('409')).toBeGreaterThan(10);
  });

  it('still answers /status after it all', async () => {
    expect((await fetchStatus(lab)).role).toBe('standby');
  });
});

/** The daemon's open file descriptors. */
const openFds = () => readdirSync(`/proc/${monitor.child.pid}/fd`).length;

describe('the running bundle under a flood of connections that never finish a request', () => {
  // Far past the cap: without one, each would be a descriptor of the daemon for a minute.
  const FLOOD = 300;
  // Descriptors the daemon may open meanwhile besides the endpoint's: a probe's socket or two.
  const SLACK = 8;

  it('holds at most its cap of them, each for seconds, probing on schedule, and serves again', async () => {
    const { maxConnections, headersTimeoutMs, checkIntervalMs } = STATUS_LIMITS;
    const before = await checkpoint(lab);
    await sleep(STATUS_LIMITS.keepAliveTimeoutMs + 500); // that request's keep-alive is over
    const baseline = openFds();
    // Well past the bound below, and short of the test's own timeout, so a failure says which.
    const flood = Promise.all(
      Array.from({ length: FLOOD }, () => exchange(port, HALF_SENT, { end: false, timeoutMs: 30_000 })),
    );
    let settled = false;
    void flood.then(() => {
      settled = true;
    });
    let peak = 0;
    while (!settled) {
      peak = Math.max(peak, openFds());
      await sleep(50);
    }
    const exchanges = await flood;

    expect(peak).toBeLessThanOrEqual(baseline + maxConnections + SLACK);
    // Those past the cap are closed at once; the others are answered 408 when their headers are late.
    const timedOut = exchanges.filter((e) => statusCode(e.answer) === 408);
    const dropped = exchanges.filter((e) => e.answer === '');
    expect(timedOut.length + dropped.length).toBe(FLOOD);
    expect(timedOut.length).toBeGreaterThan(maxConnections / 2);
    expect(timedOut.length).toBeLessThanOrEqual(maxConnections);
    const longest = Math.max(...timedOut.map((e) => e.ms));
    expect(longest).toBeGreaterThan(headersTimeoutMs - 500);
    // Generous beyond the timeout and the interval Node checks it at: the machine is loaded.
    expect(longest).toBeLessThan(headersTimeoutMs + checkIntervalMs + 10_000);

    await expectUnharmed(lab, monitor, before, { role: 'standby', intervalSeconds: INTERVAL_SECONDS });
    expect(monitor.events('probe-error')).toEqual([]);
    expect(monitor.events('transition')).toEqual([]);
    expect(openFds()).toBeLessThanOrEqual(baseline + SLACK);
  });
});
