// One bot in the lab's Telegram Bot API stand-in (lab/telegram-bot-api.ts): its update queue,
// its single long-poll lease (409 Conflict for a second poller, as Telegram answers) and the
// messages it sent, with the Bot API methods OpenClaw calls answered as Telegram answers them.
import type http from 'node:http';

/** Telegram caps getUpdates' long-poll timeout at 50 s; the lab holds a poll at most this long. */
const MAX_POLL_SECONDS = 30;

export interface BotMessage {
  messageId: number;
  chatId: number;
  /** The text as it stands now: editMessageText rewrites it. */
  text: string;
  sentAt: number;
  editedAt?: number;
  deleted: boolean;
}

export interface PollerState {
  /** getUpdates calls received (answered 200 or 409). */
  polls: number;
  firstPollAt?: number;
  lastPollAt?: number;
  /** When the last held poll was answered or its poller hung up. */
  lastPollEndedAt?: number;
  /** A getUpdates is held open right now. */
  pending: boolean;
  /** getUpdates calls answered 409 Conflict because another one was held. */
  conflicts: number;
}

export interface InjectedDm {
  chatId: number;
  messageId: number;
  /** When it was queued (Date.now()). */
  at: number;
}

export interface MethodCall {
  botId: number;
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** HTTP status of the answer; 0 while a long poll is held. */
  status: number;
}

interface Update {
  update_id: number;
  message: Record<string, unknown>;
}

interface HeldPoll {
  offset: number;
  limit: number;
  answer: (updates: Update[]) => void;
}

export type Params = Record<string, unknown>;

/** A Bot API error, shaped as Telegram shapes it. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
  ) {
    super(description);
  }
}

const CONFLICT =
  'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';

export class Bot {
  readonly poller: PollerState = { polls: 0, pending: false, conflicts: 0 };
  readonly messages: BotMessage[] = [];
  updates: Update[] = [];
  nextUpdateId = 1;
  /** One counter for both directions, as in a Telegram chat. */
  nextMessageId = 1;
  held: HeldPoll | undefined;

  constructor(
    readonly id: number,
    readonly username: string,
  ) {}

  /** Answers the held long poll if updates at or past its offset are queued. */
  deliver(): void {
    const poll = this.held;
    const ready = poll ? this.updates.filter((u) => u.update_id >= poll.offset).slice(0, poll.limit) : [];
    if (poll && ready.length > 0) poll.answer(ready);
  }

  /** Runs one Bot API method; throws ApiError as Telegram would answer it. */
  call(method: string, params: Params, res: http.ServerResponse): unknown {
    switch (method) {
      case 'getMe':
        return {
          id: this.id,
          is_bot: true,
          first_name: this.username,
          username: this.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
          has_topics_enabled: false,
        };
      case 'getUpdates':
        return this.#getUpdates(params, res);
      case 'deleteWebhook':
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') this.updates = [];
        return true;
      case 'setMyCommands':
      case 'deleteMyCommands':
      case 'sendChatAction':
        return true;
      case 'sendMessage':
        return this.#sendMessage(params);
      case 'editMessageText': {
        const message = this.#message(params);
        if (typeof params.text !== 'string' || params.text === '')
          throw new ApiError(400, 'Bad Request: message text is empty');
        message.text = params.text;
        message.editedAt = Date.now();
        return wire(this, message);
      }
      case 'deleteMessage':
        this.#message(params).deleted = true;
        return true;
      default:
        throw new ApiError(404, 'Not Found');
    }
  }

  #getUpdates(params: Params, res: http.ServerResponse): Promise<Update[]> {
    const { poller } = this;
    poller.polls++;
    poller.lastPollAt = Date.now();
    poller.firstPollAt ??= poller.lastPollAt;
    // Telegram lets one getUpdates run per this. (It ends the older request with this 409; the
    // stand-in refuses the newcomer instead, so the poller that was first keeps serving and a test
    // knows which one conflicts.)
    if (this.held) {
      poller.conflicts++;
      throw new ApiError(409, CONFLICT);
    }
    const offset = Number(params.offset ?? 0);
    // A positive offset confirms every update before it: Telegram forgets them.
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const limit = Math.min(Math.max(Number(params.limit ?? 100), 1), 100);
    const timeoutSeconds = Math.min(Math.max(Number(params.timeout ?? 0), 0), MAX_POLL_SECONDS);
    return new Promise((resolve) => {
      const answer = (updates: Update[]) => {
        if (this.held !== poll) return;
        clearTimeout(timer);
        this.held = undefined;
        poller.pending = false;
        poller.lastPollEndedAt = Date.now();
        resolve(updates);
      };
      const poll: HeldPoll = { offset, limit, answer };
      const timer = setTimeout(() => answer([]), timeoutSeconds * 1000);
      this.held = poll;
      poller.pending = true;
      // A poller that hangs up (its channel stopped, its gateway died) no longer holds the poll.
      res.once('close', () => answer([]));
      this.deliver();
    });
  }

  #sendMessage(params: Params): object {
    const chatId = Number(params.chat_id);
    if (!Number.isSafeInteger(chatId)) throw new ApiError(400, 'Bad Request: chat not found');
    if (typeof params.text !== 'string' || params.text === '')
      throw new ApiError(400, 'Bad Request: message text is empty');
    const message: BotMessage = {
      messageId: this.nextMessageId++,
      chatId,
      text: params.text,
      sentAt: Date.now(),
      deleted: false,
    };
    this.messages.push(message);
    return wire(this, message);
  }

  #message(params: Params): BotMessage {
    const chatId = Number(params.chat_id);
    const messageId = Number(params.message_id);
    const message = this.messages.find((m) => m.chatId === chatId && m.messageId === messageId && !m.deleted);
    if (!message) throw new ApiError(400, 'Bad Request: message to edit not found');
    return message;
  }
}

/** A sent message as the Bot API returns it. */
function wire(bot: Bot, m: BotMessage): object {
  return {
    message_id: m.messageId,
    from: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username },
    chat: { id: m.chatId, type: 'private' },
    date: Math.floor(m.sentAt / 1000),
    ...(m.editedAt ? { edit_date: Math.floor(m.editedAt / 1000) } : {}),
    text: m.text,
  };
}
