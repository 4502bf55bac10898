// Webhook notifications. A failing or slow webhook must never delay a failover: sends are fire and
// forget, each bounded by its own timeout, and failures only logged.
import type { MonitorConfig } from './config.js';
import type { NotifyEvent, Role } from './core/model.js';
import type { Logger } from './log.js';

export interface Notification {
  event: NotifyEvent;
  message: string;
  role: Role;
}

export interface Notifier {
  /** Sends to every target; the promise settles when all are done and never rejects. */
  send(n: Notification): Promise<void>;
}

export function createNotifier(targets: MonitorConfig['notify'], host: string, log: Logger): Notifier {
  async function post(target: MonitorConfig['notify'][number], n: Notification): Promise<void> {
    const text = `[openclaw-failover ${host}] ${n.message}`;
    // `text` suits Slack-style hooks and `content` Discord's, so both work without an adapter.
    const body = JSON.stringify({ ...n, host, at: new Date().toISOString(), text, content: text });
    try {
      const res = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      // The URL may embed a secret (Discord/Slack webhook tokens): log its origin only.
      log.warn({ event: 'notify-failed', target: new URL(target.url).origin, error: (err as Error).message });
    }
  }
  return {
    async send(n) {
      await Promise.all(targets.map((t) => post(t, n)));
    },
  };
}
