// The long actions the core orders, promote, demote and push, as the daemon runs them in the
// background: each reports back as an input (promoted / promote-failed, demoted / demote-failed,
// pushed / push-failed). A workspace sync never blocks a failover: its failures are logged and
// notified, then it goes on; a failed push-back is retried by the core's push action.
import type { Action, Input, NotifyEvent } from './core/model.js';
import type { GatewayManager } from './gateway/manager.js';
import type { Logger } from './log.js';
import type { GuardVerdict, PrimaryGuard } from './primary-guard.js';
import type { WorkspaceSync } from './workspace.js';

/** What an action works with, fixed when it starts: a reload meanwhile does not change it. */
export interface ActionContext {
  gateway: GatewayManager;
  workspace: WorkspaceSync | undefined;
  log: Logger;
  /** Aborted when the monitor shuts down: the action then leaves the gateway as it is. */
  shutdown: AbortSignal;
  /** Resolves once the started gateway is ready. */
  gatewayReady: (signal: AbortSignal) => Promise<unknown>;
  /** Gives the core the action's result. */
  report: (
    input: Extract<
      Input,
      {
        type:
          | 'promoted'
          | 'promote-failed'
          | 'promote-refused'
          | 'demoted'
          | 'demote-failed'
          | 'pushed'
          | 'push-failed';
      }
    >,
  ) => void;
  notify: (event: NotifyEvent, message: string) => void;
  /** The duplicate-bot guard, where configured, and where its answers go (duplicate-bot.ts). */
  guard: PrimaryGuard | undefined;
  guardChecked: (verdict: GuardVerdict) => void;
  /** The standby's check of itself (witnesses.ts): why it must not promote, or undefined. */
  isolation: () => Promise<string | undefined>;
}

export async function promote(
  ctx: ActionContext,
  action: Extract<Action, { type: 'promote' }>,
): Promise<void> {
  const { gateway, workspace, log, shutdown } = ctx;
  const started = performance.now();
  const elapsed = () => Number(((performance.now() - started) / 1000).toFixed(3));
  // The witnesses and the primary are asked while the pull runs: a silent one costs at most its
  // timeout beyond the pull, an answering one nothing.
  const isolated = ctx.isolation();
  const guarded = ctx.guard?.check();
  if (workspace && action.attempt === 1) await sync(ctx, 'pull', () => workspace.pull(), true);
  const refusal = async (): Promise<Extract<Input, { type: 'promote-refused' }> | undefined> => {
    const cutOff = await isolated;
    if (cutOff !== undefined) return { type: 'promote-refused', cause: 'isolated', reason: cutOff };
    const verdict = await guarded;
    if (verdict) ctx.guardChecked(verdict);
    if (verdict?.verdict !== 'duplicate') return undefined;
    return { type: 'promote-refused', cause: 'duplicate-bot', reason: verdict.detail };
  };
  const refused = await refusal();
  if (refused) {
    if (!shutdown.aborted) ctx.report(refused);
    return;
  }
  try {
    log.info({ event: 'gateway-starting', gateway: gateway.describe(), attempt: action.attempt });
    await gateway.start();
    await ctx.gatewayReady(shutdown);
    if (shutdown.aborted) return;
    log.info({ event: 'gateway-ready', seconds: elapsed() });
    ctx.report({ type: 'promoted' });
  } catch (err) {
    // Shutting down mid-start leaves the gateway to the next monitor's reconcile.
    if (shutdown.aborted) return;
    // Leave nothing half-started behind before the retry.
    await gateway
      .stop()
      .catch((stopErr: Error) => log.error({ event: 'stop-failed', error: stopErr.message }));
    ctx.report({ type: 'promote-failed', error: (err as Error).message });
  }
}

export async function demote(ctx: ActionContext): Promise<void> {
  const { gateway, workspace, log, shutdown } = ctx;
  try {
    log.info({ event: 'gateway-stopping', gateway: gateway.describe() });
    await gateway.stop();
  } catch (err) {
    if (!shutdown.aborted) ctx.report({ type: 'demote-failed', error: (err as Error).message });
    return;
  }
  const pushFailed = workspace && (await sync(ctx, 'push', () => workspace.pushBack(), true));
  if (!shutdown.aborted) ctx.report({ type: 'demoted', ...(pushFailed ? { pushFailed } : {}) });
}

/** Pushes the commits a failed push-back left behind, again; the first failure was notified already. */
export async function retryPush(ctx: ActionContext): Promise<void> {
  const { workspace, shutdown } = ctx;
  // Without a workspace (a reload removed it) nothing is left to push from here.
  const error = workspace && (await sync(ctx, 'push', () => workspace.pushBack(), false));
  if (!shutdown.aborted) ctx.report(error ? { type: 'push-failed', error } : { type: 'pushed' });
}

/** Runs a pull or push and logs it; returns the reason when it failed. */
async function sync(
  ctx: ActionContext,
  what: 'pull' | 'push',
  run: () => Promise<{ head: string; pushedTo?: string; fetchFailed?: string }>,
  notifyFailure: boolean,
): Promise<string | undefined> {
  const { log } = ctx;
  const failed = (error: string) => {
    log.error({ event: 'sync-failed', what, error });
    if (notifyFailure) ctx.notify('sync-failed', `workspace ${what} failed: ${error}`);
    return error;
  };
  const started = performance.now();
  try {
    const result = await run();
    log.info({ event: `workspace-${what}`, ...result, ms: Math.round(performance.now() - started) });
    // Served from the last background fetch (maybe behind the primary's last push): say so.
    if (result.fetchFailed !== undefined)
      return failed(`${result.fetchFailed}; serving the copy fetched last`);
    if (result.pushedTo?.startsWith('failover/')) {
      // The primary moved on meanwhile: a person has to merge what the standby wrote.
      ctx.notify(
        'sync-diverged',
        `workspace changes made while active were pushed to branch ${result.pushedTo}: merge them`,
      );
    }
    return undefined;
  } catch (err) {
    return failed((err as Error).message);
  }
}
