// What a user does while the gateway is away: DM the bot every few hundred ms until it answers.
// Runs against the lab's Telegram Bot API stand-in; the drill and the bench measure failover and
// failback with it (from a start time to the bot's first answer).
import type { BotMessage, InjectedDm } from './telegram-bot.js';
import type { TelegramBotApi } from './telegram-bot-api.js';

export interface AnsweredDm {
  /** The bot's first message to the user's chat after the first DM of this probe. */
  reply: BotMessage;
  /** DMs injected until the answer came. */
  sent: number;
}

export interface DmProbeOptions {
  intervalMs: number;
  timeoutMs: number;
  text: string;
  /** Which of the bot's messages answer (default: any); others, e.g. the monitor's owner DMs, do not. */
  isAnswer?: (text: string) => boolean;
}

/**
 * DMs `token`'s bot as `userId` every `intervalMs` from now until the bot sends that chat
 * anything, and reports it. One counter numbers a chat's messages both ways, so any bot message
 * past the first DM answers one of them. `answered` is set when the answer came, so a caller
 * can watch for it while it waits for other things.
 */
export class DmProbe {
  answered: AnsweredDm | undefined;
  readonly done: Promise<AnsweredDm>;

  constructor(api: TelegramBotApi, token: string, userId: number, opts: DmProbeOptions) {
    this.done = this.#run(api, token, userId, opts);
    // The caller may await `done` late (after other milestones): no unhandled rejection meanwhile.
    this.done.catch(() => {});
  }

  async #run(
    api: TelegramBotApi,
    token: string,
    userId: number,
    { intervalMs, timeoutMs, text, isAnswer = () => true }: DmProbeOptions,
  ): Promise<AnsweredDm> {
    const deadline = Date.now() + timeoutMs;
    let first: InjectedDm | undefined;
    let sent = 0;
    let nextAt = Date.now();
    for (;;) {
      if (Date.now() >= nextAt) {
        const dm = api.injectDm(token, userId, `${text} #${++sent}`);
        first ??= dm;
        nextAt += intervalMs;
      }
      const since = first?.messageId ?? 0;
      const reply = api
        .messages(token, userId)
        .find((m) => m.messageId > since && !m.deleted && isAnswer(m.text));
      if (reply) {
        this.answered = { reply: { ...reply }, sent };
        return this.answered;
      }
      if (Date.now() >= deadline) {
        throw new Error(`the bot answered none of ${sent} DMs within ${Math.round(timeoutMs / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
