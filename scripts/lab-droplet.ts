// `npm run lab:droplet [-- --vm]`: the production path by hand, with a live timeline. The droplet
// stand-in (a system container, or with --vm a QEMU VM) boots the user-data the Pulumi program
// renders, is deployed over SSH with the program's own commands, then fails over under real
// systemd: the primary (a real OpenClaw gateway on the lab's tailnet link) is killed and brought
// back. Everything is removed at the end, also on an error or Ctrl-C.
import { DropletLab } from '../lab/droplet/droplet-lab.js';
import { bootAndDeploy, runFailover, startPrimary } from '../lab/droplet/failover.js';
import type { LabPrimary } from '../lab/droplet/primary.js';

const kind = process.argv.includes('--vm') ? 'qemu' : 'nspawn';
/** --keep-on-failure: leave a failed run up for a look inside (the run's folder and namespaces are printed). */
const keep = process.argv.includes('--keep-on-failure');
const line = (text: string) => process.stdout.write(`${text}\n`);
const at = (seconds: number) => `${seconds.toFixed(1).padStart(7)} s`;

line(`droplet lab: ${kind === 'qemu' ? 'QEMU VM (TCG)' : 'systemd-nspawn container'}`);
const lab = await DropletLab.create({
  kind,
  onMilestone: (name, seconds) => line(`${at(seconds)}  ${name}`),
});
let interrupted = false;
let primary: LabPrimary | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    line('interrupted: cleaning up');
    void Promise.all([primary?.kill(), lab.destroy()]).then(() =>
      process.exit(signal === 'SIGINT' ? 130 : 143),
    );
  });
}
try {
  lab.milestone('lab ready (stack rendered, network, host side)');
  // As in production, the primary runs before the standby is deployed (else the standby promotes).
  primary = startPrimary(lab);
  await bootAndDeploy(lab, primary);
  const report = await runFailover(lab, (text) => line(`${at(lab.elapsed())}  ${text}`), primary);
  line('');
  for (const [name, seconds] of Object.entries(report)) line(`${name.padEnd(44)} ${seconds.toFixed(1)} s`);
} catch (err) {
  if (!interrupted) {
    line(`failed: ${(err as Error).message}`);
    line(await lab.diagnostics());
    process.exitCode = 1;
    if (keep) {
      line(`kept: ${lab.guest.dir}, namespaces ${lab.network.hostNs} ${lab.network.guestNs}`);
      line(
        `ssh: ip netns exec ${lab.network.hostNs} ssh -i ${lab.admin.identity} ${lab.admin.user}@${lab.admin.host}`,
      );
      await new Promise(() => undefined);
    }
  }
} finally {
  if (!interrupted) await Promise.all([primary?.kill(), lab.destroy()]);
}
