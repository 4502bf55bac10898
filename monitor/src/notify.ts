// Notifications: webhooks, and DMs to the owners through the standby's own Telegram bot (with the
// primary down, its chat channel is down too, and a webhook may be all else the user has, or
// nothing). A failing or slow target must never delay a failover: sends are fire and forget, each
// bounded by its own timeout, and failures only logged.
import type { MonitorConfig } from './config.js';
import type { NotifyEvent, Role } from './core/model.js';
import { type Check, telegramTokenCheck } from './credentials.js';
import type { Logger } from './log.js';
import { readSecretFile } from './secret-files.js';

export interface Notification {
  event: NotifyEvent;
  message: string;
  role: Role;
}

export interface Notifier {
  /** Sends to every target; the promise settles when all are done and never rejects. */
  send(n: Notification): Promise<void>;
  /** Whether Telegram still takes the bot token of the first telegram target (the standby's bot), if any. */
  botTokenCheck?: Check;
}

type Target = MonitorConfig['notify'][number];

async function postJson(url: string, body: unknown, timeoutSeconds: number): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
}

/** Reads the bot tokens once (a new token comes with a reload or a restart); throws ConfigError. */
export function createNotifier(targets: MonitorConfig['notify'], host: string, log: Logger): Notifier {
  const tokens = targets.map((t, i) =>
    t.type === 'telegram' ? readSecretFile(`notify[${i}].tokenFile`, t.tokenFile) : undefined,
  );

  async function deliver(target: Target, token: string | undefined, n: Notification): Promise<void> {
    const text = `[openclaw-failover ${host}] ${n.message}`;
    if (target.type === 'webhook') {
      // `text` suits Slack-style hooks and `content` Discord's, so both work without an adapter.
      const body = { ...n, host, at: new Date().toISOString(), text, content: text };
      return postJson(target.url, body, target.timeoutSeconds);
    }
    if (!target.events.includes(n.event)) return;
    const url = `${target.apiRoot}/bot${token}/sendMessage`;
    for (const chatId of target.chatIds) {
      await postJson(url, { chat_id: chatId, text }, target.timeoutSeconds);
    }
  }

  /** Where a target sends, without its secret: a webhook URL's path or a bot token may be one. */
  const where = (t: Target) =>
    t.type === 'webhook' ? new URL(t.url).origin : `telegram ${new URL(t.apiRoot).origin}`;

  const bot = targets.findIndex((t) => t.type === 'telegram');
  const botTarget = targets[bot];
  const botToken = tokens[bot];
  return {
    ...(botTarget?.type === 'telegram' && botToken !== undefined
      ? { botTokenCheck: telegramTokenCheck(botTarget.apiRoot, botToken, botTarget.timeoutSeconds) }
      : {}),
    async send(n) {
      await Promise.all(
        targets.map((t, i) =>
          deliver(t, tokens[i], n).catch((err: Error) =>
            log.warn({ event: 'notify-failed', target: where(t), error: err.message }),
          ),
        ),
      );
    },
  };
}
