// Property-style: 1000 random hostile requests (fixed seed, hostile-requests.ts) over raw TCP to the
// status endpoint of the real bundle, beside a healthy primary. Each gets an HTTP answer (never a
// 5xx) or a clean close; the monitor keeps running and probing on schedule, stays standby, and
// no answer or log line carries the primary's token.
import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MonitorProcess } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { sampleProcess } from '../../lab/proc-stats.js';
import { parseListen } from '../../monitor/src/status-server.js';
import { prng } from './core-helpers.js';
import { type HostileRequest, hostileRequest } from './hostile-requests.js';

const CASES = 1000;
const BATCH = 25;
const SECRET = 'primary-token-4f1c9e0b7a2d';
const INTERVAL_SECONDS = 0.1;

let lab: MonitorLab;
let monitor: MonitorProcess;
let port: number;

beforeAll(async () => {
  lab = await MonitorLab.create();
  const tokenFile = join(lab.dir, 'primary-token');
  writeFileSync(tokenFile, `${SECRET}\n`);
  chmodSync(tokenFile, 0o600);
  lab.writeConfig({ primary: { url: lab.primary.url, timeoutSeconds: 0.3, tokenFile } });
  port = parseListen(lab.listen).port;
  monitor = lab.startMonitor();
  await monitor.waitFor((l) => l.event === 'started', 5000);
});
afterAll(() => lab.cleanup());

/** The raw answer to one request, the client half-closing after it; undefined if none came in 10 s. */
function send(request: HostileRequest): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(request.bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A reset after the answer (the server closing on unread input) is still a clean end.
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(10_000, () => {
      socket.destroy();
      resolve(undefined);
    });
  });
}

async function status(): Promise<{ role: string; counters: { probes: { up: number } } }> {
  const response = await fetch(`http://${lab.listen}/status`);
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

describe('the status endpoint of the running bundle against 1000 random hostile requests', () => {
  it('answers each (never 5xx) or closes, and keeps probing, standby, without the secret', async () => {
    const rnd = prng(20261213);
    const requests = Array.from({ length: CASES }, () => hostileRequest(rnd));
    const before = await status();
    const started = performance.now();
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
    const seconds = (performance.now() - started) / 1000;
    const after = await status();

    expect(after.role).toBe('standby');
    // On schedule: at least half the probes its interval allows (a loaded machine is slower).
    const probes = after.counters.probes.up - before.counters.probes.up;
    expect(probes).toBeGreaterThan((0.5 * seconds) / INTERVAL_SECONDS);
    expect(monitor.events('transition')).toEqual([]);
    expect(monitor.events('fatal')).toEqual([]);
    expect(monitor.events('status-request-failed')).toEqual([]);
    const logs = monitor.lines.map((l) => JSON.stringify(l)).join('\n') + monitor.output;
    expect(logs).not.toContain(SECRET);
    // The probe really carried the token: it is the secret under test, not an unused one.
    expect(lab.primary.lastAuthorization).toBe(`Bearer ${SECRET}`);
    expect(sampleProcess(monitor.child.pid ?? 0).peakRssMiB).toBeLessThan(256);
    // Both answers and closes happened: the cases reach the parser and the handler alike.
    expect(codes.get('200')).toBeGreaterThan(10);
    expect(codes.get('400')).toBeGreaterThan(50);
    expect(codes.get('409')).toBeGreaterThan(10);
  });

  it('still answers /metrics and /status after it all', async () => {
    const metrics = await fetch(`http://${lab.listen}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).not.toContain(SECRET);
    expect((await status()).role).toBe('standby');
  });
});
