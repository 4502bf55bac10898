// `openclaw-failover check-primary`: what the standby needs from the primary, asked now over the
// tailnet, changing nothing on the primary. Each finding says what is missing and what to do, so
// a user who set the primary up by hand learns before a failover what it would lack:
// - readiness: the probe the monitor makes, with its token;
// - the duplicate-bot guard: whether the primary runs the standby's own bot (primary-guard.ts),
//   and whether it can be asked at all (its admin-http-rpc plugin, the gateway token);
// - the workspace: whether the remote answers and how old its newest commit is, i.e. how fresh
//   the primary's pushes keep what the standby would serve (the fetch the monitor makes every
//   fetchIntervalSeconds while standby).
import type { MonitorConfig } from './config.js';
import { createPrimaryGuard } from './primary-guard.js';
import { createProbe } from './probe.js';
import { shownUrl } from './shown-url.js';
import type { WorkspaceSync } from './workspace.js';

export interface Finding {
  result: 'ok' | 'FAIL' | 'skip';
  check: 'readiness' | 'duplicate bot' | 'workspace';
  detail: string;
}

const minutes = (seconds: number) =>
  seconds < 90
    ? `${Math.round(seconds)} s`
    : seconds < 5400
      ? `${Math.round(seconds / 60)} min`
      : `${(seconds / 3600).toFixed(1)} h`;

async function readiness(config: MonitorConfig): Promise<Finding> {
  const probe = await createProbe(config.primary)();
  const ms = `${Math.round(probe.latencyMs)} ms`;
  if (probe.health === 'up') return { result: 'ok', check: 'readiness', detail: `ready (${ms})` };
  const hint =
    probe.health === 'degraded'
      ? 'it is alive but its users cannot reach it: see its gateway log'
      : 'check that the primary runs, that the tailnet lets this standby reach its port, and primary.tokenFile';
  return { result: 'FAIL', check: 'readiness', detail: `${probe.health}: ${probe.detail} (${ms}); ${hint}` };
}

async function duplicateBot(config: MonitorConfig): Promise<Finding> {
  const check = 'duplicate bot';
  const guard = createPrimaryGuard(config);
  if (!guard) {
    const missing = [
      ...(config.primary.tokenFile === undefined
        ? ["primary.tokenFile (the stack's primaryGatewayToken)"]
        : []),
      ...(config.standbyBot === undefined
        ? ['standbyBot (a Telegram standby: rendered from channelToken)']
        : []),
    ];
    return { result: 'skip', check, detail: `not checked without ${missing.join(' and ')}` };
  }
  const verdict = await guard.check();
  switch (verdict.verdict) {
    case 'clear':
      return {
        result: 'ok',
        check,
        detail: "the primary does not run this standby's bot (asked its channels.status)",
      };
    case 'duplicate':
      return { result: 'FAIL', check, detail: `${verdict.detail}; until then no promotion happens` };
    case 'no-answer':
      return { result: 'FAIL', check, detail: `the primary's admin RPC did not answer: ${verdict.detail}` };
    case 'unreadable':
      return {
        result: 'FAIL',
        check,
        detail: `${verdict.detail}; 401: primary.tokenFile is not the primary's gateway token; 404: enable the primary's admin-http-rpc plugin (plugins.entries.admin-http-rpc.enabled in its openclaw.json)`,
      };
  }
}

async function workspaceFreshness(workspace: WorkspaceSync | undefined, now: () => number): Promise<Finding> {
  const check = 'workspace';
  if (!workspace) return { result: 'skip', check, detail: 'no workspace configured: nothing is synced' };
  try {
    const { newestCommitAt } = await workspace.fetch();
    return {
      result: 'ok',
      check,
      detail: `the remote answers; its newest commit is ${minutes(now() - newestCommitAt)} old: a failover serves nothing the primary wrote after its last push`,
    };
  } catch (err) {
    return { result: 'FAIL', check, detail: `fetching the remote failed: ${(err as Error).message}` };
  }
}

/** Runs the three checks one after the other (the guard's question is the slowest: one getMe). */
export async function checkPrimary(
  config: MonitorConfig,
  workspace: WorkspaceSync | undefined,
  now: () => number = () => Date.now() / 1000,
): Promise<Finding[]> {
  return [await readiness(config), await duplicateBot(config), await workspaceFreshness(workspace, now)];
}

export function formatFindings(config: MonitorConfig, findings: Finding[]): string {
  const lines = findings.map((f) => `  ${f.result.padEnd(5)} ${f.check.padEnd(14)} ${f.detail}`);
  return [`primary ${shownUrl(config.primary.url)}`, ...lines].join('\n');
}
