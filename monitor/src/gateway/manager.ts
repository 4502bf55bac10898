// What the daemon needs from the local gateway, whoever runs it (systemd in production, a detached
// process in the lab), and the readiness wait that follows every start.
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from '../config.js';
import { describeGetError, httpGet } from '../http-get.js';
import type { Logger } from '../log.js';
import { ProcessGatewayManager } from './process.js';
import { SystemdGatewayManager } from './systemd.js';
import { WarmGatewayManager } from './warm.js';

export interface GatewayManager {
  /** Starts the gateway; resolves once it was launched (not yet ready). Idempotent: a running gateway is left as is. Throws with a clear message if it cannot be launched. */
  start(): Promise<void>;
  /** Stops it: graceful stop, forced kill at stopTimeoutSeconds; resolves when it is gone. Idempotent. */
  stop(): Promise<void>;
  /** Answers (or throws) within GATEWAY_CHECK_SECONDS. */
  isRunning(): Promise<boolean>;
  /** Human-readable name for logs, e.g. "systemd unit openclaw.service" / "process openclaw pid 1234". */
  describe(): string;
  /** Where the channel's state is known (warm): another poller of its bot, as the last isRunning() saw. */
  duplicatePoller?(): string | undefined;
}

/** The longest a gateway check may take: systemctl is-active's deadline (the process manager reads /proc). */
export const GATEWAY_CHECK_SECONDS = 10;

/**
 * `runDir` holds the process manager's pid file and default log file (the state file's folder).
 * A warm standby's manager switches the channel of the gateway process the other one runs; `log`
 * gets what it does on its own (restarting a gateway whose channel would not stop).
 */
export function createGatewayManager(cfg: GatewayConfig, runDir: string, log?: Logger): GatewayManager {
  const process =
    cfg.manager === 'systemd' ? new SystemdGatewayManager(cfg) : new ProcessGatewayManager(cfg, runDir);
  // The schema has the warm block exactly when standbyMode is warm.
  return cfg.warm === undefined ? process : new WarmGatewayManager(cfg, cfg.warm, process, log);
}

const POLL_INTERVAL_MS = 200;
// Loopback answers in milliseconds; a gateway that takes longer is busy starting, so ask again.
const REQUEST_TIMEOUT_MS = 2000;
// The attempt that straddles the deadline still gets a fair chance instead of timing out at once.
const MIN_REQUEST_TIMEOUT_MS = 100;

/** One readiness request, never rejecting: a failure is described in `answer`. */
async function askReady(
  url: URL,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ status: number; answer: string }> {
  try {
    const { status, body } = await httpGet(url, { timeoutMs, signal, maxBodyChars: 200 });
    return { status, answer: `HTTP ${status} ${body.trim()}`.trim() };
  } catch (err) {
    return { status: 0, answer: describeGetError(err, timeoutMs) };
  }
}

/** Polls readyUrl (GET, fresh connection each time, short per-request timeout) until HTTP 200; rejects on the deadline with the last answer/error, and early if isRunning() turns false. */
export async function waitReady(
  url: string,
  timeoutSeconds: number,
  isRunning: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<{ seconds: number }> {
  const target = new URL(url);
  const started = performance.now();
  const deadline = started + timeoutSeconds * 1000;
  let last = 'no answer yet';
  for (;;) {
    signal?.throwIfAborted();
    if (!(await isRunning())) {
      throw new Error(`gateway stopped running while waiting for ${url} to be ready (last answer: ${last})`);
    }
    const remaining = deadline - performance.now();
    const requestTimeoutMs = Math.ceil(
      Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, remaining)),
    );
    const { status, answer } = await askReady(target, requestTimeoutMs, signal);
    signal?.throwIfAborted();
    if (status === 200) return { seconds: (performance.now() - started) / 1000 };
    last = answer;
    const left = deadline - performance.now();
    if (left <= 0) throw new Error(`${url} not ready after ${timeoutSeconds} s (last answer: ${last})`);
    await sleep(Math.min(POLL_INTERVAL_MS, left), undefined, { signal });
  }
}

/** The wait that follows every start of `gateway`: its readyUrl answers 200 within startTimeoutSeconds. */
export function readinessOf(cfg: GatewayConfig, gateway: GatewayManager) {
  return (signal: AbortSignal) =>
    waitReady(cfg.readyUrl, cfg.startTimeoutSeconds, () => gateway.isRunning(), signal);
}
