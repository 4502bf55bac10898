// The bench's labs: each run gets a chaos lab of its own, destroyed after it (and all of them on
// Ctrl-C), at real intervals or scaled down.
import { ChaosLab, type LabOptions } from '../../lab/chaos-lab.js';
import type { Timings } from '../../lab/monitor-config.js';
import type { NsProcess } from '../../lab/ns-process.js';

/** Mid-range of OpenClaw's measured cold start to /readyz 200 (7–11 s on 2 vCPU, docs/platform-facts.md). */
export const GATEWAY_READY_MS = 9000;

export const labs = new Set<ChaosLab>();

export async function withLab<T>(options: LabOptions, use: (lab: ChaosLab) => Promise<T>): Promise<T> {
  const lab = await ChaosLab.create(options);
  labs.add(lab);
  try {
    return await use(lab);
  } finally {
    labs.delete(lab);
    await lab.destroy();
  }
}

/**
 * Intervals, hold-down and the gateway's start delay divided by `factor`; thresholds and probe
 * timeout as they are. The minimum outage is scaled when the outages are (a flap schedule), and
 * kept when they last what TCP makes them last (a lost packet's retransmits, the 2 s timeout).
 */
export function scaled(t: Timings, factor: number, outages: 'scaled' | 'real'): LabOptions {
  const timings = {
    ...t,
    checkIntervalSeconds: t.checkIntervalSeconds / factor,
    minActiveSeconds: t.minActiveSeconds / factor,
    falsePromotionDays: t.falsePromotionDays / factor,
    confirmIntervalSeconds: t.confirmIntervalSeconds / factor,
    minOutageSeconds: outages === 'scaled' ? t.minOutageSeconds / factor : t.minOutageSeconds,
  };
  return { timings, workspace: false, gateway: { readyDelayMs: GATEWAY_READY_MS / factor } };
}

export const watching = (monitor: NsProcess) =>
  monitor.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 30_000);
