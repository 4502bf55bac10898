// The other standby mode under real systemd: `standbyMode: cold` (for a droplet under 2 GB), whose
// gateway is stopped until a promotion. The monitor, as its system user and through the polkit rule,
// starts openclaw.service when the primary dies and stops it when the primary is back; the owner's
// DM is answered from inside the droplet in between.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_UNIT_NAME } from '../../cloud-init/index.js';
import type { DropletLab } from '../../lab/droplet/droplet-lab.js';
import { deployedLab, monitorStatus, runFailover } from '../../lab/droplet/failover.js';
import type { LabPrimary } from '../../lab/droplet/primary.js';

const MINUTE = 60_000;
let lab: DropletLab;
let primary: LabPrimary;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  // As in production, the primary runs before the standby is deployed.
  ({ lab, primary, stop } = await deployedLab({ kind: 'nspawn', stack: { standbyMode: 'cold' } }));
}, 15 * MINUTE);

afterAll(() => stop?.(), 2 * MINUTE);

describe('a cold standby under systemd (system container)', () => {
  it('its gateway is stopped while the primary serves', async () => {
    expect(await lab.root(`systemctl is-active ${GATEWAY_UNIT_NAME} || true`)).toMatch(/^inactive$/m);
  });

  it(
    'primary killed: the monitor starts the gateway, the owner’s DM is answered; back: the gateway stops',
    async () => {
      const report = await runFailover(lab, () => undefined, primary);
      console.info('failover under systemd (nspawn, cold standby):', report);
      expect(report['kill → DM answered by the standby bot']).toBeGreaterThan(0);
      expect((await monitorStatus(lab)).counters).toMatchObject({ promotions: 1, demotions: 1 });
      expect(await lab.root(`systemctl is-active ${GATEWAY_UNIT_NAME} || true`)).toMatch(/^inactive$/m);
    },
    10 * MINUTE,
  );
});
