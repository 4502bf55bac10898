// What each test of hostile input (issue 13) asks of the running bundle once the input is
// through: still running, probing on schedule, in the role it should be in, nothing secret in its
// logs, status or metrics, and its memory bounded. The secret is the primary's token, which the
// monitor reads from its file and sends with every probe.
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { MonitorProcess } from '../../lab/bundle.js';
import type { MonitorLab } from '../../lab/monitor-lab.js';
import { sampleProcess } from '../../lab/proc-stats.js';

export const SECRET = 'primary-token-4f1c9e0b7a2d';

/** Far above the ~85 MiB the monitor takes, far below what the droplet can spare. */
const RSS_BOUND_MIB = 256;

/** A file holding SECRET as the config's primary.tokenFile wants it (0600). */
export function secretTokenFile(lab: MonitorLab): string {
  const file = join(lab.dir, 'primary-token');
  writeFileSync(file, `${SECRET}\n`);
  chmodSync(file, 0o600);
  return file;
}

export interface StatusView {
  role: string;
  counters: { probes: { up: number; degraded: number; down: number } };
}

async function text(lab: MonitorLab, path: string): Promise<string> {
  const response = await fetch(`http://${lab.listen}${path}`);
  expect(response.status, path).toBe(200);
  return response.text();
}

export async function fetchStatus(lab: MonitorLab): Promise<StatusView> {
  return JSON.parse(await text(lab, '/status'));
}

const probesOf = ({ counters: { probes } }: StatusView) => probes.up + probes.degraded + probes.down;

/** How many probes the monitor had made, and when: where a test's input starts. */
export interface Checkpoint {
  probes: number;
  at: number;
}

export async function checkpoint(lab: MonitorLab): Promise<Checkpoint> {
  return { probes: probesOf(await fetchStatus(lab)), at: performance.now() };
}

export interface Expected {
  role: string;
  intervalSeconds: number;
  /** Probes since the checkpoint; by default half of what the interval allows (a loaded machine is slower). */
  minProbes?: number;
}

export async function expectUnharmed(
  lab: MonitorLab,
  monitor: MonitorProcess,
  from: Checkpoint,
  expected: Expected,
): Promise<void> {
  const statusText = await text(lab, '/status');
  const metrics = await text(lab, '/metrics');
  const status = JSON.parse(statusText) as StatusView;
  const seconds = (performance.now() - from.at) / 1000;
  expect(monitor.running, monitor.output).toBe(true);
  expect(monitor.events('fatal')).toEqual([]);
  expect(status.role).toBe(expected.role);
  const minProbes = expected.minProbes ?? Math.floor((0.5 * seconds) / expected.intervalSeconds);
  expect(probesOf(status) - from.probes).toBeGreaterThanOrEqual(minProbes);
  const logs = monitor.lines.map((l) => JSON.stringify(l)).join('\n') + monitor.output;
  expect(logs, 'logs').not.toContain(SECRET);
  expect(statusText, 'status').not.toContain(SECRET);
  expect(metrics, 'metrics').not.toContain(SECRET);
  expect(sampleProcess(monitor.child.pid ?? 0).peakRssMiB).toBeLessThan(RSS_BOUND_MIB);
}
