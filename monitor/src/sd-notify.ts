// systemd readiness and watchdog. Node cannot send on a unix datagram socket, so messages go
// through the `systemd-notify` helper; it waits until systemd has read the message, which makes a
// helper process safe with NotifyAccess=all. Without NOTIFY_SOCKET (not under systemd) all no-ops.
import { execFile } from 'node:child_process';
import type { Logger } from './log.js';

export interface SystemdNotifier {
  ready(): void;
  /** Called from the control loop each cycle; sent at most every third of the watchdog period. */
  watchdog(nowMs: number): void;
  stopping(): void;
}

export function createSystemdNotifier(log: Logger, env: NodeJS.ProcessEnv = process.env): SystemdNotifier {
  if (!env.NOTIFY_SOCKET) return { ready() {}, watchdog() {}, stopping() {} };
  const watchdogMs = Number(env.WATCHDOG_USEC ?? 0) / 1000;
  let lastPing = Number.NEGATIVE_INFINITY;
  const send = (...args: string[]) => {
    execFile('systemd-notify', [`--pid=${process.pid}`, ...args], { env, timeout: 10_000 }, (err) => {
      if (err) log.warn({ event: 'sd-notify-failed', args, error: err.message });
    });
  };
  return {
    ready: () => send('READY=1', 'STATUS=watching the primary'),
    watchdog(nowMs) {
      if (watchdogMs <= 0 || nowMs - lastPing < watchdogMs / 3) return;
      lastPing = nowMs;
      send('WATCHDOG=1');
    },
    stopping: () => send('STOPPING=1'),
  };
}
