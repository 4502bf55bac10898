// What every chaos scenario asserts at its end: the role, the exact promotion and demotion counts
// from the monitor's own status, at most one standby gateway alive, and the gateway's workspace
// write on the remote (main or a failover/ branch): no change lost.
import { expect } from 'vitest';
import type { ChaosLab } from '../../lab/chaos-lab.js';

export async function expectOutcome(
  lab: ChaosLab,
  expected: { role: 'standby' | 'active'; promotions: number; demotions: number },
): Promise<void> {
  const status = await lab.status();
  expect({ role: status.role, ...status.counters }).toMatchObject(expected);
  // Every promotion started exactly one gateway: a restarted monitor never starts a second one.
  expect(lab.gatewayStarts()).toHaveLength(expected.promotions);
  expect(lab.liveGateways()).toHaveLength(expected.role === 'active' ? 1 : 0);
}

/** The last gateway's write is on the remote, on `where` (main, or a failover/ branch). */
export function expectWritePushed(lab: ChaosLab, where: 'main' | 'failover/'): void {
  const copies = lab.remoteCopies().filter((c) => c.content === lab.lastGatewayWrite());
  expect(copies.map((c) => c.branch)).toContainEqual(
    where === 'main' ? 'main' : expect.stringMatching(/^failover\//),
  );
}
