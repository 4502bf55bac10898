// The other standby mode under real systemd: `standbyMode: cold` (for a droplet under 2 GB), whose
// gateway is stopped until a promotion. The monitor, as its system user and through the polkit rule,
// starts openclaw.service when the primary dies and stops it when the primary is back; the owner's
// DM is answered from inside the droplet in between. Then the same container, a systemd host with
// sshd and logind, stands in for the user's primary: the primary side's install (one boot less).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DROPLET_PATHS,
  GATEWAY_UNIT_NAME,
  renderPrimarySideInstall,
  renderPrimarySideUninstall,
  shellQuote,
  WORKSPACE_PUSH_UNIT,
} from '../../cloud-init/index.js';
import { ADMIN_USER } from '../../infra/droplet-settings.js';
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

describe("the primary's side on a systemd host (the same container as the user's primary)", () => {
  it(
    'the primary side, installed over SSH as a user unit, pushes on its timer and uninstalls',
    async () => {
      await lab.root(`loginctl enable-linger ${ADMIN_USER}`);
      const setup = `set -e; rm -rf ~/ps; git init -q --bare -b main ~/ps/remote.git; git clone -q ~/ps/remote.git ~/ps/ws
      cd ~/ps/ws; git -c user.name=u -c user.email=u@u commit -q --allow-empty -m seed; git push -q -u origin HEAD:main
      echo '{}' > ~/ps/openclaw.json`;
      expect((await lab.ssh(setup)).code).toBe(0);
      const input = {
        workspacePath: '~/ps/ws',
        openclawConfigPath: '~/ps/openclaw.json',
        pushIntervalSeconds: 5,
        // What the clone pushes to, as the standby's workspaceRepo would name it.
        workspaceRepo: (await lab.ssh('git -C ~/ps/ws remote get-url origin')).stdout.trim(),
      };
      // The user's OpenClaw CLI on the login's PATH (here the standby's own install stands in for it).
      const path = `PATH=${DROPLET_PATHS.nodeDir}/bin:$PATH`;
      const install = (botId: string) =>
        lab.ssh(`${path} bash -s`, { stdin: renderPrimarySideInstall({ ...input, standbyBotId: botId }) });
      const rpcEnabled = async () =>
        (
          await lab.ssh(
            `${path} OPENCLAW_CONFIG_PATH=~/ps/openclaw.json openclaw config get plugins.entries.admin-http-rpc.enabled`,
          )
        ).stdout.trim();
      const userctl = `XDG_RUNTIME_DIR=/run/user/$(id -u) systemctl --user`;
      // The primary's config holds the standby's bot: refused, nothing installed.
      const userConfig = '{channels:{telegram:{botToken:"4242:x"}}}';
      await lab.ssh(`echo '${userConfig}' > ~/ps/openclaw.json`);
      expect((await install('4242')).stderr).toMatch(/holds the standby's Telegram bot token \(bot 4242\)/);
      expect((await lab.ssh(`${userctl} cat ${WORKSPACE_PUSH_UNIT}.timer`)).code).not.toBe(0);
      const installed = await install('777');
      expect(installed.code, installed.stderr).toBe(0);
      expect((await lab.ssh(`${userctl} is-active ${WORKSPACE_PUSH_UNIT}.timer`)).stdout.trim()).toBe(
        'active',
      );
      // The one key of the user's config it changes, through OpenClaw's CLI, keeping the file as it was.
      expect(installed.stdout).toMatch(/admin-http-rpc plugin enabled in .*openclaw\.json/);
      expect(await rpcEnabled()).toBe('true');
      expect((await lab.ssh('cat ~/ps/openclaw.json.before-failover-gateway')).stdout.trim()).toBe(
        userConfig,
      );

      const writtenAt = Date.now();
      const wait =
        'for _ in $(seq 60); do git -C ~/ps/remote.git show main:MEMORY.md 2>/dev/null && exit; sleep 0.5; done; exit 1';
      await lab.ssh('echo written on the primary > ~/ps/ws/MEMORY.md');
      expect((await lab.ssh(wait)).stdout.trim()).toBe('written on the primary');
      console.info(
        'primary side: a write reached the remote on the 5 s timer after (s):',
        (Date.now() - writtenAt) / 1000,
      );

      const removed = await lab.ssh(
        `${path} bash -c ${shellQuote(renderPrimarySideUninstall(input.openclawConfigPath))}`,
      );
      expect(removed.code, removed.stderr).toBe(0);
      expect(await rpcEnabled()).toBe('false');
      expect((await lab.ssh(`${userctl} cat ${WORKSPACE_PUSH_UNIT}.timer`)).code).not.toBe(0);
      const files = `~/.local/lib/openclaw-failover/workspace-push ~/.config/systemd/user/${WORKSPACE_PUSH_UNIT}.timer`;
      expect((await lab.ssh(`ls ${files} 2>/dev/null`)).stdout).toBe('');
    },
    3 * MINUTE,
  );
});
