// The production path, run for real in a system container (systemd as PID 1): the user-data the
// Pulumi program renders (the default, warm standby), booted by cloud-init; the deployment over
// real SSH with the program's own commands; the hardening checked live; failover under real
// systemd with a real OpenClaw primary, the owner's DM answered by the standby's bot from inside.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DROPLET_PATHS,
  ED25519_PUBLIC_KEY,
  GATEWAY_UNIT_NAME,
  HOST_KEY_FILE,
  MONITOR_UNIT_NAME,
  MONITOR_USER,
  OPENCLAW_USER,
} from '../../cloud-init/index.js';
import type { DropletLab } from '../../lab/droplet/droplet-lab.js';
import {
  deployedLab,
  monitorEvents,
  monitorStatus,
  runFailover,
  standbyAnswersOnTailnet,
  waitForOwnerDm,
  waitForRole,
  waitForServing,
} from '../../lab/droplet/failover.js';
import { LAB_HOST_IP, LAB_HOST_OTHER_IP, METADATA_IP } from '../../lab/droplet/network.js';
import type { LabPrimary } from '../../lab/droplet/primary.js';
import { ssh } from '../../lab/droplet/ssh.js';

const MINUTE = 60_000;
let lab: DropletLab;
let primary: LabPrimary;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  // As in production, the primary runs before the standby is deployed.
  ({ lab, primary, stop } = await deployedLab({ kind: 'nspawn' }));
}, 15 * MINUTE);

afterAll(() => stop?.(), 2 * MINUTE);

describe('the droplet stand-in (system container)', () => {
  it('ran the user-data to the end: cloud-init done without errors, the first-boot script complete', async () => {
    const status = await lab.root('cloud-init status --long');
    expect(status).toMatch(/^status: done$/m);
    expect(status).toMatch(/^errors: \[\]$/m);
    await lab.root(`test -f ${DROPLET_PATHS.firstBootMarker}`);
    // The guest reached outside only through the egress proxy, and only what it may.
    expect(lab.egress.refused()).toEqual([]);
  });

  it('serves the host key it made itself: a client that trusts the provisioning key is refused', async () => {
    const files = (await lab.root('ls /etc/ssh | grep ^ssh_host_')).trim().split('\n');
    expect(files.sort()).toEqual(['ssh_host_ed25519_key', 'ssh_host_ed25519_key.pub']);
    const served = (await lab.root(`cat ${HOST_KEY_FILE}.pub`)).trim();
    expect(served).toMatch(ED25519_PUBLIC_KEY);
    expect(served).not.toBe(lab.provisioningHostKey.publicKey.trim());
    const provisioning = lab.provisioningHostKey.publicKey.trim();
    const stale = {
      ...lab.admin,
      knownHosts: lab.writeFile('stale-known-hosts', `${lab.admin.host} ${provisioning}\n`),
    };
    const refused = await ssh(stale, 'true', { timeoutMs: 30_000 });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/host key verification failed/i);
  });

  it('joined the tailnet once with its single-use key', () => {
    const registrations = lab.labHost.events('register');
    expect(registrations).toHaveLength(1);
    expect(registrations[0]).toMatchObject({ known: true, reused: false, hostname: 'openclaw-standby' });
  });

  describe('hardening, checked live', () => {
    it('ufw: deny by default; the cloud firewall (at the link’s edge) admits SSH only from the allowed source', async () => {
      const ufw = await lab.root('ufw status verbose');
      expect(ufw).toMatch(/Status: active/);
      expect(ufw).toMatch(/Default: deny \(incoming\)/);
      const refused = await lab.ssh('true', { sourceIp: LAB_HOST_OTHER_IP, timeoutMs: 20_000 });
      expect(refused.code).not.toBe(0);
    });

    it('sshd: no passwords, no root, only the admin user', async () => {
      const config = await lab.root('sshd -T');
      expect(config).toMatch(/^passwordauthentication no$/m);
      expect(config).toMatch(/^permitrootlogin no$/m);
      expect(config).toMatch(new RegExp(`^allowusers ${lab.admin.user}$`, 'm'));
    });

    it('fail2ban watches sshd', async () => {
      expect(await lab.root('fail2ban-client status sshd')).toMatch(/Status for the jail: sshd/);
    });

    it('every service runs as its own unprivileged user', async () => {
      const users = await lab.root(
        `systemctl show -p User --value ${MONITOR_UNIT_NAME} ${GATEWAY_UNIT_NAME}`,
      );
      expect(users.split('\n').filter((line) => line.trim() !== '')).toEqual([MONITOR_USER, OPENCLAW_USER]);
    });

    it('secret files are 0600/0640 with the right owners', async () => {
      const files = [DROPLET_PATHS.gatewayEnv, DROPLET_PATHS.monitorConfig, DROPLET_PATHS.primaryTokenFile];
      const modes = await lab.root(`stat -c '%n %a %U %G' ${files.join(' ')}`);
      expect(modes.trim().split('\n')).toEqual([
        `${DROPLET_PATHS.gatewayEnv} 600 root root`,
        `${DROPLET_PATHS.monitorConfig} 640 root ${MONITOR_USER}`,
        `${DROPLET_PATHS.primaryTokenFile} 640 root ${MONITOR_USER}`,
      ]);
      // Nothing secret stays in the staging folder.
      expect(await lab.root(`find ${DROPLET_PATHS.provisioningDir}/staging -type f`)).toBe('');
    });

    it('the live units are as tightly sandboxed as the rendered ones', async () => {
      const score = async (unit: string) =>
        Number(
          /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(
            await lab.root(`systemd-analyze security ${unit} 2>&1`),
          )?.[1],
        );
      expect(await score(MONITOR_UNIT_NAME)).toBeLessThanOrEqual(2.5);
      expect(await score(GATEWAY_UNIT_NAME)).toBeLessThanOrEqual(5.0);
    });

    it('only root reaches the metadata service (user-data describes the droplet)', async () => {
      const url = `http://${METADATA_IP}/metadata/v1/user-data`;
      const fetchAs = (user: string) =>
        lab.ssh(`sudo -u ${user} curl -s -o /dev/null -w '%{http_code}' -m 3 ${url}`, { timeoutMs: 20_000 });
      expect((await fetchAs('root')).stdout).toBe('200');
      for (const user of [OPENCLAW_USER, MONITOR_USER, lab.admin.user]) {
        expect((await fetchAs(user)).stdout, user).not.toBe('200');
      }
    });
  });

  describe('failover under systemd', () => {
    it(
      'a real primary on the tailnet: standby; killed: promoted, the owner’s DM answered; back: demoted',
      async () => {
        const report = await runFailover(lab, () => undefined, primary);
        console.info('failover under systemd (nspawn):', report);
        expect(report['kill → DM answered by the standby bot']).toBeGreaterThan(0);
        const status = await monitorStatus(lab);
        expect(status.counters).toMatchObject({ promotions: 1, demotions: 1 });
        // Warm standby (the default): the gateway runs on, its channel switched off again.
        expect(await lab.root(`systemctl is-active ${GATEWAY_UNIT_NAME} || true`)).toMatch(/^active$/m);
        expect(await lab.root(`cat ${DROPLET_PATHS.channelSwitch}`)).toMatch(/"enabled":\s*false/);
        // The duplicate-bot guard asked the primary over the tailnet while standby (it runs no
        // standby bot). Before promoting it is not asked: the last probe of the killed primary got
        // no answer, and the admin RPC is on the same port, so asking would only add its timeout.
        const guard = (await monitorEvents(lab)).filter((e) => String(e.event).startsWith('duplicate-'));
        expect(
          guard.find((e) => e.event === 'duplicate-guard-clear'),
          JSON.stringify(guard),
        ).toMatchObject({
          when: 'while standby',
        });
        expect(
          guard.filter((e) => e.when === 'before promoting'),
          JSON.stringify(guard),
        ).toEqual([]);
        // The monitor told the owner, through the standby's bot, both ways.
        await waitForOwnerDm(lab, 'the standby gateway is serving', 0);
        await waitForOwnerDm(lab, 'watching the primary', 60_000);
      },
      10 * MINUTE,
    );

    it(
      'a monitor killed with -9 while active is restarted and adopts the running gateway',
      async () => {
        await primary.kill();
        await waitForRole(lab, 'active', 5 * MINUTE);
        const before = await lab.root(`systemctl show -p MainPID --value ${GATEWAY_UNIT_NAME}`);
        await lab.root(`systemctl kill --signal=SIGKILL ${MONITOR_UNIT_NAME}`);
        await waitForRole(lab, 'active', 2 * MINUTE);
        const since = Date.now() - 60_000;
        const starts = (await monitorEvents(lab, since)).filter((e) => e.event === 'monitor-start');
        expect(starts.at(-1)).toMatchObject({ gatewayRunning: true });
        // The same gateway process: never started twice.
        expect(await lab.root(`systemctl show -p MainPID --value ${GATEWAY_UNIT_NAME}`)).toBe(before);
        expect(await standbyAnswersOnTailnet(lab)).toBe(true);
      },
      10 * MINUTE,
    );

    it(
      'a hung monitor (SIGSTOP) is restarted by the watchdog',
      async () => {
        const pid = (await lab.root(`systemctl show -p MainPID --value ${MONITOR_UNIT_NAME}`)).trim();
        await lab.root(`kill -STOP ${pid}`);
        const deadline = Date.now() + 3 * MINUTE;
        let now = pid;
        while (now === pid && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 2000));
          now = (await lab.root(`systemctl show -p MainPID --value ${MONITOR_UNIT_NAME}`)).trim();
        }
        expect(now).not.toBe(pid);
        expect(
          await lab.root(
            `journalctl --no-pager -u ${MONITOR_UNIT_NAME} | grep -c 'Watchdog timeout' || true`,
          ),
        ).not.toMatch(/^0$/m);
        await waitForRole(lab, 'active', 2 * MINUTE);
      },
      5 * MINUTE,
    );
  });

  it('a pushed threshold change reloads the monitor in place: same process, same role', async () => {
    const pid = async () => (await lab.root(`systemctl show -p MainPID --value ${MONITOR_UNIT_NAME}`)).trim();
    const before = await pid();
    const role = (await monitorStatus(lab)).role;
    const pushedAt = Date.now();
    const restacked = lab.restack({ failThreshold: '4' });
    await lab.deploy(restacked);
    const reloaded = (await monitorEvents(lab, pushedAt)).filter((e) => e.event === 'config-reloaded');
    expect(reloaded).toHaveLength(1);
    expect(await pid()).toBe(before);
    expect((await monitorStatus(lab)).role).toBe(role);
    const config = JSON.parse(await lab.root(`cat ${DROPLET_PATHS.monitorConfig}`));
    expect(config.failThreshold).toBe(4);
  });

  it('a new sshAllowedCidrs applies in place: the same droplet admits the new source', async () => {
    const bootId = () => lab.root('cat /proc/sys/kernel/random/boot_id');
    const before = await bootId();
    expect((await lab.ssh('true', { sourceIp: LAB_HOST_OTHER_IP, timeoutMs: 20_000 })).code).not.toBe(0);
    const restacked = lab.restack({
      sshAllowedCidrs: JSON.stringify([`${LAB_HOST_IP}/32`, `${LAB_HOST_OTHER_IP}/32`]),
    });
    // Nothing of it is in the droplet's user-data, which would replace the droplet.
    expect(restacked.userData).toBe(lab.stack.userData);
    await lab.deploy(restacked);
    expect((await lab.ssh('true', { sourceIp: LAB_HOST_OTHER_IP, timeoutMs: 20_000 })).code).toBe(0);
    expect(await bootId()).toBe(before);
  });

  it(
    'rebooted while active: back as active after the boot, one gateway serving on the tailnet',
    async () => {
      await waitForRole(lab, 'active', 2 * MINUTE);
      await lab.reboot();
      await waitForRole(lab, 'active', 5 * MINUTE);
      // The gateway starts again with the boot; its channel was left on.
      console.info(
        'reboot while active → serving on the tailnet again (s):',
        await waitForServing(lab, 3 * MINUTE),
      );
      expect(await lab.root(`systemctl is-active ${GATEWAY_UNIT_NAME} || true`)).toMatch(/^active$/m);
      expect(await monitorStatus(lab)).toMatchObject({ role: 'active' });
    },
    10 * MINUTE,
  );

  it('destroy logs the standby out of the tailnet over SSH (the droplet answers with its own key)', async () => {
    const results = await lab.undeploy();
    expect(
      results.map((r) => r.code),
      JSON.stringify(results),
    ).toEqual([0]);
    expect(results[0]?.stdout).toMatch(/left the tailnet over SSH/);
    expect(lab.labHost.events('logout')).toHaveLength(1);
  });
});
