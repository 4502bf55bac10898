// systemd readiness and watchdog. Node cannot send on a unix datagram socket, so messages go
// through the `systemd-notify` helper; it waits until systemd has read the message, which makes a
// helper process safe with NotifyAccess=all. Without NOTIFY_SOCKET (not under systemd) all no-ops.
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

export interface SystemdNotifier {
  ready(): void;
  /** The period systemd expects WATCHDOG=1 within (WATCHDOG_USEC), in seconds; undefined without a watchdog. */
  readonly watchdogSeconds: number | undefined;
  /** One WATCHDOG=1 ping; watchdog.ts decides when. */
  watchdog(): void;
  stopping(): void;
}

/** WATCHDOG_USEC, when systemd set it for this very process (WATCHDOG_PID, if set, must be ours). */
function watchdogSeconds(env: NodeJS.ProcessEnv): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== process.pid) return undefined;
  return usec / 1_000_000;
}

export function createSystemdNotifier(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdNotifier {
  if (!env.NOTIFY_SOCKET) return { ready() {}, watchdogSeconds: undefined, watchdog() {}, stopping() {} };
  const send = (...args: string[]) => {
    execFile('systemd-notify', [`--pid=${process.pid}`, ...args], { env, timeout: 10_000 }, (err) => {
      if (err) log.warn({ event: 'sd-notify-failed', args, error: err.message });
    });
  };
  return {
    ready: () => send('READY=1', 'STATUS=watching the primary'),
    watchdogSeconds: watchdogSeconds(env),
    watchdog: () => send('WATCHDOG=1'),
    stopping: () => send('STOPPING=1'),
  };
}
