// The production path in a full VM (QEMU, TCG): its own kernel, so ufw and the metadata guard
// really filter in the droplet's kernel, and the droplet can reboot. The container suite covers
// the rest; here only what needs a kernel and a boot of its own. Under TCG the first boot takes
// 8–14 min (npm installing OpenClaw is CPU-bound) and a gateway cold start more than the
// monitor's 180 s start timeout, so failover itself (and a reboot while active) is left to the
// container suites; the droplet is a cold standby here, so no idle gateway takes the emulated CPU.
// The last step of `npm test`; alone: `npm run test:vm`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_UNIT_NAME, OPENCLAW_USER } from '../../cloud-init/index.js';
import type { DropletLab } from '../../lab/droplet/droplet-lab.js';
import { deployedLab, waitForRole } from '../../lab/droplet/failover.js';
import { LAB_HOST_OTHER_IP, METADATA_IP } from '../../lab/droplet/network.js';

const MINUTE = 60_000;
let lab: DropletLab;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  // As in production, the primary runs before the standby is deployed.
  ({ lab, stop } = await deployedLab({ kind: 'qemu', stack: { standbyMode: 'cold' } }));
  console.info('droplet lab (QEMU/TCG) milestones, s:', lab.milestones);
}, 30 * MINUTE);

afterAll(() => stop?.(), 3 * MINUTE);

/** The HTTP status the metadata service's user-data answers to `user` on the droplet. */
const metadataAs = async (user: string) =>
  (
    await lab.ssh(
      `sudo -u ${user} curl -s -o /dev/null -w '%{http_code}' -m 3 http://${METADATA_IP}/metadata/v1/user-data`,
      { timeoutMs: 20_000 },
    )
  ).stdout;
const isActive = async (unit: string) => (await lab.root(`systemctl is-active ${unit} || true`)).trim();

describe('the droplet stand-in (QEMU VM, its own kernel)', () => {
  it('cloud-init finished without errors', async () => {
    const status = await lab.root('cloud-init status --long');
    expect(status).toMatch(/^status: done$/m);
    expect(status).toMatch(/^errors: \[\]$/m);
  });

  it('the cloud firewall filters: SSH from a source outside sshAllowedCidrs is refused', async () => {
    const refused = await lab.ssh('true', { sourceIp: LAB_HOST_OTHER_IP, timeoutMs: 20_000 });
    expect(refused.code).not.toBe(0);
    expect((await lab.ssh('true')).code).toBe(0);
  });

  it('the guest kernel filters: only root reaches the metadata service', async () => {
    expect(await metadataAs('root')).toBe('200');
    expect(await metadataAs(OPENCLAW_USER)).not.toBe('200');
  });

  it(
    'rebooted while standby: back as standby, the gateway not started',
    async () => {
      await waitForRole(lab, 'standby', 5 * MINUTE);
      await lab.reboot();
      await waitForRole(lab, 'standby', 10 * MINUTE);
      expect(await isActive(GATEWAY_UNIT_NAME)).toBe('inactive');
      // The metadata guard loads at boot; the cloud firewall is outside the guest.
      expect((await lab.ssh('true', { sourceIp: LAB_HOST_OTHER_IP, timeoutMs: 20_000 })).code).not.toBe(0);
      expect(await metadataAs(OPENCLAW_USER)).not.toBe('200');
    },
    20 * MINUTE,
  );
});
