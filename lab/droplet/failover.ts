// Failover under real systemd on the deployed droplet stand-in: what an operator would see over
// SSH (`openclaw-failover status --json`, the monitor's journal) while the lab's real OpenClaw
// primary on the tailnet link is killed and brought back.
import { join } from 'node:path';
import { DmProbe } from '../dm-probe.js';
import { DropletLab, type DropletLabOptions } from './droplet-lab.js';
import { GUEST_TAILNET_IP } from './network.js';
import { LabPrimary } from './primary.js';
import { MODEL_REPLY } from './public-services.js';

export interface MonitorStatus {
  role: string;
  primary: { health: string };
  counters: { promotions: number; demotions: number };
}

export interface MonitorEvent {
  event?: string;
  /** ISO 8601, as the monitor logs it. */
  time?: string;
  to?: string;
  [key: string]: unknown;
}

export async function monitorStatus(lab: DropletLab): Promise<MonitorStatus> {
  const result = await lab.ssh('openclaw-failover status --json', { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`openclaw-failover status failed: ${result.stderr}${result.stdout}`);
  return JSON.parse(result.stdout) as MonitorStatus;
}

/**
 * Calls `check` every `intervalMs` until it holds, bounded by `timeoutMs`; returns the seconds it
 * took, or throws with `failure()` (called then, so it can say what was seen last).
 */
async function pollFor(
  check: () => Promise<boolean> | boolean,
  { timeoutMs, intervalMs }: { timeoutMs: number; intervalMs: number },
  failure: () => string,
): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > timeoutMs) throw new Error(failure());
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return (performance.now() - started) / 1000;
}

/** Polls the status over SSH until the role is `role`, bounded; returns the seconds it took. */
export async function waitForRole(lab: DropletLab, role: string, timeoutMs: number): Promise<number> {
  let last = '';
  const reached = async () => {
    last = await monitorStatus(lab)
      .then((s) => s.role)
      .catch((err: Error) => err.message);
    return last === role;
  };
  return pollFor(
    reached,
    { timeoutMs, intervalMs: 500 },
    () => `the monitor did not reach ${role} within ${timeoutMs} ms (last: ${last})`,
  );
}

/** The monitor's JSON log lines from the journal since `since` (epoch ms). */
export async function monitorEvents(lab: DropletLab, since = 0): Promise<MonitorEvent[]> {
  const out = await lab.root('journalctl --no-pager -o cat -u openclaw-failover.service');
  return out
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as MonitorEvent];
      } catch {
        return [];
      }
    })
    .filter((e) => e.time !== undefined && Date.parse(e.time) >= since);
}

/** Whether the standby gateway answers on its tailnet address, seen from the primary's side. */
export async function standbyAnswersOnTailnet(lab: DropletLab): Promise<boolean> {
  const result = await lab.labHostCommand([
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-m',
    '3',
    `http://${GUEST_TAILNET_IP}:18789/readyz`,
  ]);
  return result.stdout.trim() === '200';
}

/** Polls (bounded) until the standby gateway answers on its tailnet address; returns the seconds it took. */
export function waitForServing(lab: DropletLab, timeoutMs: number): Promise<number> {
  return pollFor(
    () => standbyAnswersOnTailnet(lab),
    { timeoutMs, intervalMs: 500 },
    () => `the standby gateway did not answer on its tailnet address within ${timeoutMs} ms`,
  );
}

/** Starts the lab's primary on the tailnet link; as in production it runs before the standby is deployed. */
export function startPrimary(lab: DropletLab): LabPrimary {
  const token = lab.stack.config.primaryGatewayToken ?? '';
  const primary = new LabPrimary(lab.network.hostNs, join(lab.guest.dir, 'primary'), 18789, token);
  primary.start();
  return primary;
}

/** A lab deployed and watching its primary; `stop()` removes all of it. */
export interface DeployedLab {
  lab: DropletLab;
  primary: LabPrimary;
  stop(): Promise<void>;
}

/**
 * A droplet lab brought up as `pulumi up` does (`bootAndDeploy`), its primary started first; on a
 * failure everything is removed before the error is passed on.
 */
export async function deployedLab(options: DropletLabOptions): Promise<DeployedLab> {
  const lab = await DropletLab.create(options);
  const primary = startPrimary(lab);
  const stop = async () => {
    await primary.kill();
    await lab.destroy();
  };
  try {
    await bootAndDeploy(lab, primary);
  } catch (err) {
    await stop();
    throw err;
  }
  return { lab, primary, stop };
}

/**
 * Brings the standby up as `pulumi up` does, with the primary (already started) serving first:
 * boot, primary ready, deploy. A failure carries the lab's diagnostics.
 */
export async function bootAndDeploy(lab: DropletLab, primary: LabPrimary): Promise<void> {
  try {
    await lab.boot();
    // Generous: the primary's cold start competes with the guest's first boot for the CPU.
    await primary.waitReady(300_000);
    lab.milestone('primary ready on its tailnet address');
    await lab.deploy();
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${await lab.diagnostics()}`);
  }
}

export type FailoverReport = Record<string, number>;

/** Seconds from `since` (epoch ms) to the first transition to `role` in the monitor's journal. */
function transitionAfter(events: MonitorEvent[], role: string, since: number): number | undefined {
  const event = events.find((e) => e.event === 'transition' && e.to === role);
  return event?.time === undefined ? undefined : (Date.parse(event.time) - since) / 1000;
}

/** The lab stack's owner, whose DMs the standby bot answers (channelAllowFrom). */
export function ownerChat(lab: DropletLab): number {
  return Number((JSON.parse(lab.stack.config.channelAllowFrom ?? '[]') as string[])[0]);
}

/** Waits (bounded) until the monitor has DMed the owner, through the standby's bot, a text containing `text`. */
export async function waitForOwnerDm(lab: DropletLab, text: string, timeoutMs: number): Promise<void> {
  const token = lab.stack.config.channelToken ?? '';
  await pollFor(
    () => lab.services.botApi.messages(token, ownerChat(lab)).some((m) => m.text.includes(text)),
    { timeoutMs, intervalMs: 250 },
    () => `the owner got no DM saying "${text}" within ${timeoutMs} ms`,
  );
}

/**
 * With the primary up and the monitor standby: kill the primary → active with the gateway serving
 * on its tailnet address, and the owner, DMing the standby bot every second from the kill on,
 * answered from inside the droplet; primary back → standby. Returns the timings a user cares about.
 */
export async function runFailover(
  lab: DropletLab,
  say: (text: string) => void,
  primary: LabPrimary,
): Promise<FailoverReport> {
  const report: FailoverReport = {};
  await waitForRole(lab, 'standby', 60_000);
  say('standby is watching');
  const killedAt = Date.now();
  await primary.kill();
  say('primary killed (kill -9)');
  const token = lab.stack.config.channelToken ?? '';
  const dms = new DmProbe(lab.services.botApi, token, ownerChat(lab), {
    intervalMs: 1000,
    timeoutMs: 300_000,
    text: 'are you there?',
    isAnswer: (text) => text.includes(MODEL_REPLY),
  });
  report['kill → active (status over SSH)'] = await waitForRole(lab, 'active', 300_000);
  const afterKill = await monitorEvents(lab, killedAt);
  const decided = transitionAfter(afterKill, 'promoting', killedAt);
  const ready = transitionAfter(afterKill, 'active', killedAt);
  if (decided !== undefined) report['kill → promote decision'] = decided;
  if (ready !== undefined) report['kill → standby gateway ready'] = ready;
  if (!(await standbyAnswersOnTailnet(lab)))
    throw new Error('the standby gateway does not answer on its tailnet address');
  say('standby gateway serving on its tailnet address');
  const answered = await dms.done.catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await lab.diagnostics()}`);
  });
  report['kill → DM answered by the standby bot'] = (answered.reply.sentAt - killedAt) / 1000;
  say(`the standby bot answered (${answered.sent} DMs sent)`);
  const backAt = Date.now();
  primary.start();
  report['primary back: cold start → ready'] = await primary.waitReady(120_000);
  say('primary back');
  await waitForRole(lab, 'standby', 300_000);
  report['primary back → standby (status over SSH)'] = (Date.now() - backAt) / 1000;
  const demoted = transitionAfter(await monitorEvents(lab, backAt), 'standby', backAt);
  if (demoted !== undefined) report['primary back → demoted'] = demoted;
  return report;
}
