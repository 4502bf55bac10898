// The operator's side of the status endpoint: the CLI verbs (status, hold, release, drill) as
// small HTTP clients of a running monitor's loopback status server (status-server.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { Status } from './status.js';
import { STATUS_LIMITS } from './status-server.js';

async function call(
  listen: string,
  method: 'GET' | 'POST',
  path: string,
): Promise<{ code: number; body: unknown }> {
  const url = `http://${listen}${path}`;
  let res: Response;
  try {
    res = await fetch(url, { method, signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const cause = (err as { cause?: Error }).cause?.message ?? (err as Error).message;
    // Refused: nothing listens. Closed or silent: something does, and may be full.
    if (/ECONNREFUSED/.test(cause))
      throw new Error(`the monitor is not reachable at ${listen} (${cause}); is openclaw-failover running?`);
    throw new Error(
      `the monitor at ${listen} did not answer (${cause}): its status endpoint takes at most ${STATUS_LIMITS.maxConnections} connections at once and closes any more; if another local process holds them, try again in a few seconds`,
    );
  }
  return { code: res.status, body: await res.json() };
}

const ago = (iso: string | undefined) => {
  if (!iso) return '';
  const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  return s < 120
    ? `${s.toFixed(0)}s ago`
    : s < 7200
      ? `${(s / 60).toFixed(0)}m ago`
      : `${(s / 3600).toFixed(1)}h ago`;
};

/**
 * Control characters shown as `\xNN`: the status carries text from the primary (its failing
 * channel names, the probe's detail), which must not drive the operator's terminal.
 */
const visible = (line: string) =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** How fresh the standby's copy of the workspace is: what a promotion with the remote down would serve. */
function workspaceLine(s: Status): string | undefined {
  const w = s.workspace;
  if (!w) return undefined;
  const newest = w.newestCommitAt
    ? `newest fetched commit made ${w.newestCommitAt} (${ago(w.newestCommitAt)})`
    : 'nothing fetched yet';
  const fetched = w.fetchedAt ? `, fetched ${ago(w.fetchedAt)}` : '';
  const failing = w.lastFetchError ? `; fetching fails: ${w.lastFetchError}` : '';
  const unpushed = s.unpushed
    ? `; ${s.unpushed.failures} failed push(es) waiting, next ${s.unpushed.nextRetry}`
    : '';
  return `workspace   ${newest}${fetched}${failing}${unpushed}`;
}

export function formatStatus(s: Status): string {
  const p = s.primary;
  const c = s.counters;
  const lines = [
    `role        ${s.role} since ${s.since} (${ago(s.since)}): ${s.reason}`,
    `primary     ${p.health}${p.failing.length ? ` (failing: ${p.failing.join(', ')})` : ''} at ${p.url}, last probe: ${p.lastDetail ?? 'none yet'}`,
    `counts      ${p.consecutiveFailures} failing${p.failingSince ? ` since ${p.failingSince}` : ''} / ${p.consecutiveSuccesses} healthy probes in a row (promote at ${s.detector.requiredFailures} over at least ${s.policy.minOutageSeconds} s, demote at ${s.policy.recoverThreshold})`,
    `detector    ${s.detector.recentFailures} failures in the last ${s.detector.window} probes: ${s.detector.requiredFailures} in a row needed (${
      s.policy.falsePromotionDays === 0
        ? 'failThreshold, falsePromotionDays 0'
        : `at least failThreshold ${s.policy.failThreshold}, a false promotion at most once in ${s.policy.falsePromotionDays} days`
    }${s.policy.confirmIntervalSeconds > 0 ? `; a failing run confirmed every ${s.policy.confirmIntervalSeconds} s` : ''})`,
  ];
  if (p.probeError) {
    const e = p.probeError;
    lines.push(
      `unprobed    ${e.probes} probes not made since ${e.since} (${ago(e.since)}): ${e.code} on this machine`,
    );
  }
  if (s.activeSince)
    lines.push(`active      since ${s.activeSince}; demotion allowed after ${s.holdDownUntil}`);
  if (s.retryAt)
    lines.push(
      `retry       attempt ${s.attempts + 1} at ${s.retryAt}${s.lastStartError ? `, after: ${s.lastStartError}` : ''}`,
    );
  const workspace = workspaceLine(s);
  if (workspace) lines.push(workspace);
  for (const [name, problem] of Object.entries(s.credentials)) {
    lines.push(`CREDENTIAL  ${name} since ${problem?.since}: ${problem?.detail}`);
  }
  const dup = s.duplicateBot;
  if (dup.primary?.verdict === 'duplicate')
    lines.push(`DUPLICATE   ${dup.primary.detail} (asked ${dup.primary.at})`);
  if (dup.poller)
    lines.push(
      `DUPLICATE   another poller of this standby's bot since ${dup.poller.since}: ${dup.poller.detail}`,
    );
  if (dup.primary?.verdict === 'unreadable')
    lines.push(`guard       the duplicate-bot guard cannot read the primary's answer: ${dup.primary.detail}`);
  if (s.lastDrill) {
    const d = s.lastDrill;
    const timings = `ready after ${d.readyAfterSeconds?.toFixed(1) ?? '-'}s, done after ${d.finishedAfterSeconds?.toFixed(1) ?? '-'}s`;
    lines.push(
      `last drill  ${d.ok ? 'ok' : `FAILED (${d.error ?? 'interrupted'})`} at ${d.startedAt}: ${timings}`,
    );
  }
  lines.push(
    `totals      promotions ${c.promotions}, demotions ${c.demotions}, start failures ${c.startFailures}, stop failures ${c.stopFailures}, drills ${c.drills}; probes up ${c.probes.up} / degraded ${c.probes.degraded} / down ${c.probes.down}, not made ${p.probeErrors}`,
  );
  return lines.map(visible).join('\n');
}

export async function showStatus(listen: string, json: boolean): Promise<number> {
  const { body } = await call(listen, 'GET', '/status');
  console.log(json ? JSON.stringify(body, null, 2) : formatStatus(body as Status));
  return 0;
}

export async function sendCommand(listen: string, verb: 'hold' | 'release'): Promise<number> {
  const { code, body } = await call(listen, 'POST', `/${verb}`);
  const answer = body as { ok: boolean; role: string; error?: string };
  console.log(answer.ok ? `${verb}: role is now ${answer.role}` : `${verb} refused: ${answer.error}`);
  return code === 200 ? 0 : 1;
}

/** Starts a drill and follows it until the standby is back in standby, printing each role change. */
export async function runDrill(listen: string, seconds: number): Promise<number> {
  const requested = Date.now();
  const { code, body } = await call(listen, 'POST', `/drill?seconds=${seconds}`);
  if (code !== 200) {
    console.error(`drill refused: ${(body as { error: string }).error}`);
    return 1;
  }
  console.log(`drill: promoting the standby for ${seconds}s`);
  // Generous: the gateway's start and stop deadlines bound the real duration.
  const deadline = requested + (seconds + 900) * 1000;
  let lastRole = 'promoting';
  while (Date.now() < deadline) {
    await sleep(500);
    const status = (await call(listen, 'GET', '/status')).body as Status;
    if (status.role !== lastRole) console.log(`drill: ${status.role} (${status.reason})`);
    lastRole = status.role;
    const report = status.lastDrill;
    if (!status.drill && report && Date.parse(report.startedAt ?? '') >= requested - 1000) {
      console.log(
        [
          '',
          '| step | seconds from drill start |',
          '|---|---|',
          `| standby gateway ready | ${report.readyAfterSeconds?.toFixed(1) ?? 'never'} |`,
          `| back in standby | ${report.finishedAfterSeconds?.toFixed(1) ?? '-'} |`,
          '',
          ...[workspaceLine(status)].filter((line) => line !== undefined).map(visible),
          report.ok ? 'drill passed' : `drill FAILED: ${report.error}`,
        ].join('\n'),
      );
      return report.ok ? 0 : 1;
    }
  }
  console.error('drill: no result before the deadline; see `openclaw-failover status`');
  return 1;
}
