// The bench's report: percentiles, the false-promotion cell with what the failure rate predicts,
// the machine line and how each setting is described in the table's header.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Timings } from '../../lab/monitor-config.js';

/** What a standby counted over a run: probes, failed probes, role changes. */
export interface Counts {
  probes: number;
  failed: number;
  promotions: number;
  demotions: number;
}

export const sum = (counts: Counts[]): Counts =>
  counts.reduce((a, c) => ({
    probes: a.probes + c.probes,
    failed: a.failed + c.failed,
    promotions: a.promotions + c.promotions,
    demotions: a.demotions + c.demotions,
  }));

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** One row of the bench's markdown table: the metric, one cell per setting, how it was measured. */
export const tableRow = (metric: string, cells: readonly string[], how: string) =>
  `| ${metric} | ${cells.join(' | ')} | ${how} |`;

export const seconds = (values: number[]) =>
  `${percentile(values, 50).toFixed(1)} s / ${percentile(values, 95).toFixed(1)} s`;
export const max = (values: number[]) => Math.max(...values);
export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Observed false promotions, and what the probe failure rate p predicts. The fixed rule: a run of
 * failThreshold failures starts at a probe with chance p^k·(1−p). The adaptive detector asks for
 * runs long enough that one is expected at most once per falsePromotionDays (at the unscaled pace).
 */
export function falsePromotions(t: Timings, l: Counts): string {
  const p = l.failed / l.probes;
  const observed = `${l.promotions} in ${l.probes} probes (${(100 * p).toFixed(1)} % failed; `;
  if (t.falsePromotionDays > 0)
    return `${observed}the detector's bound: one in ${t.falsePromotionDays} days)`;
  const perProbe = p ** t.failThreshold * (1 - p);
  const perDay = (perProbe * 86_400) / t.checkIntervalSeconds;
  return (
    observed +
    `p^${t.failThreshold} predicts ${(perProbe * l.probes).toFixed(1)}, i.e. ~${perDay.toFixed(0)} a day at ${t.checkIntervalSeconds} s probes)`
  );
}

export function machine(): string {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const memKiB = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
  return `${availableParallelism()} × ${model}, ${(memKiB / 1024 / 1024).toFixed(1)} GiB RAM, Node ${process.version}`;
}

export const describe = (t: Timings) =>
  `${t.checkIntervalSeconds} s × ${t.failThreshold}${t.falsePromotionDays > 0 ? ' (adaptive)' : ''}` +
  (t.confirmIntervalSeconds > 0 ? `, confirm every ${t.confirmIntervalSeconds} s` : '') +
  (t.minOutageSeconds > 0 ? `, outage ≥ ${t.minOutageSeconds} s` : '') +
  `, recover ${t.recoverThreshold}, min active ${t.minActiveSeconds} s`;
