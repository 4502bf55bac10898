// A stand-in for Telegram's Bot API (api.telegram.org/bot<TOKEN>/<method>) on loopback, so a real
// OpenClaw Telegram channel (channels.telegram.apiRoot) polls it, and a test can send a user's DM
// to a bot and wait for the bot's answer. Several bots at once, each with its own update queue.
//
// It answers what OpenClaw 2026.9.6 calls (docs/platform-facts.md lists the methods, found by
// running it); any other method is recorded in `calls` and answered 404, as Telegram answers an
// unknown method, so a new call shows up instead of being silently faked.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  ApiError,
  Bot,
  type BotMessage,
  type InjectedDm,
  type MethodCall,
  type Params,
  type PollerState,
} from './telegram-bot.js';

export class TelegramBotApi {
  /** Every method call of every bot, in arrival order. */
  readonly calls: MethodCall[] = [];
  readonly #bots = new Map<string, Bot>();
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async start(): Promise<TelegramBotApi> {
    const server = http.createServer();
    const api = new TelegramBotApi(server);
    server.on('request', (req, res) => void api.#handle(req, res));
    server.on('connection', (s) => {
      api.#sockets.add(s);
      s.on('close', () => api.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** The value of channels.telegram.apiRoot: the root only, without /bot<TOKEN>. */
  get apiRoot(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Registers a bot; its token is `<bot id>:<secret>`, as BotFather's are. */
  addBot(token: string, username: string): void {
    if (!/^\d+:[\w-]{20,}$/.test(token)) throw new Error('a bot token is <digits>:<20+ characters>');
    const id = Number(token.split(':')[0]);
    if ([...this.#bots.values()].some((b) => b.id === id)) throw new Error(`bot ${id} is already registered`);
    this.#bots.set(token, new Bot(id, username));
  }

  /** Queues a private text message from a user to the bot (the chat id is the user's id). */
  injectDm(token: string, userId: number, text: string): InjectedDm {
    const bot = this.#bot(token);
    const user = { id: userId, is_bot: false, first_name: 'Lab User' };
    const messageId = bot.nextMessageId++;
    bot.updates.push({
      update_id: bot.nextUpdateId++,
      message: {
        message_id: messageId,
        from: user,
        chat: { id: userId, type: 'private', first_name: user.first_name },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    });
    bot.deliver();
    return { chatId: userId, messageId, at: Date.now() };
  }

  /** What the bot sent to a chat, in order, edits applied. */
  messages(token: string, chatId: number): BotMessage[] {
    return this.#bot(token).messages.filter((m) => m.chatId === chatId);
  }

  poller(token: string): Readonly<PollerState> {
    return { ...this.#bot(token).poller };
  }

  /**
   * The first message the bot sent to the DM's chat after the DM whose current text satisfies
   * `matching`; rejects after `timeoutMs`.
   */
  waitForReply(
    token: string,
    dm: InjectedDm,
    opts: { timeoutMs: number; matching?: (text: string) => boolean },
  ): Promise<BotMessage> {
    const bot = this.#bot(token);
    const matching = opts.matching ?? (() => true);
    return this.#until(
      () => {
        const found = bot.messages.find(
          (m) => m.chatId === dm.chatId && m.messageId > dm.messageId && !m.deleted && matching(m.text),
        );
        return found && { ...found };
      },
      opts.timeoutMs,
      `bot ${bot.id} sent no matching reply to chat ${dm.chatId}`,
    );
  }

  /** The time of the bot's first getUpdates at or after `since` (a Date.now() value). */
  waitForPoll(token: string, since: number, timeoutMs: number): Promise<number> {
    const bot = this.#bot(token);
    return this.#until(
      () => this.calls.find((c) => c.botId === bot.id && c.method === 'getUpdates' && c.at >= since)?.at,
      timeoutMs,
      `bot ${bot.id} was not polled`,
    );
  }

  /**
   * Waits until no poll is held and none came for `quietMs`; resolves with when the last one
   * ended (or `since` if none was held after it).
   */
  waitForPollingStopped(token: string, since: number, quietMs: number, timeoutMs: number): Promise<number> {
    const bot = this.#bot(token);
    return this.#until(
      () => {
        const { pending, lastPollAt = 0, lastPollEndedAt = 0 } = bot.poller;
        const ended = Math.max(since, lastPollEndedAt);
        return !pending && Date.now() - Math.max(ended, lastPollAt) >= quietMs && ended;
      },
      timeoutMs,
      `bot ${bot.id} still polled`,
    );
  }

  /** Answers held polls with no updates, drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const bot of this.#bots.values()) bot.held?.answer([]);
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #bot(token: string): Bot {
    const bot = this.#bots.get(token);
    if (!bot) throw new Error(`no bot registered for the token of bot ${token.split(':')[0]}`);
    return bot;
  }

  /** Checks `value` every 25 ms until it is truthy (resolving with it) or the deadline passes. */
  async #until<T>(value: () => T | false | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = value();
      if (found) return found;
      if (Date.now() >= deadline) throw new Error(`${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reply = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const fail = (code: number, description: string) =>
      reply(code, { ok: false, error_code: code, description });
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const bot = match && this.#bots.get(match[1] as string);
    if (!match) return fail(404, 'Not Found');
    if (!bot) return fail(401, 'Unauthorized');
    const call: MethodCall = {
      botId: bot.id,
      method: match[2] as string,
      params: {},
      at: Date.now(),
      status: 0,
    };
    this.calls.push(call);
    try {
      call.params = await readParams(req);
      const result = await bot.call(call.method, call.params, res);
      call.status = 200;
      if (!res.destroyed) reply(200, { ok: true, result });
    } catch (err) {
      const { code, message } = err instanceof ApiError ? err : new ApiError(500, String(err));
      call.status = code;
      if (!res.destroyed) fail(code, message);
    }
  }
}

/** A method's parameters: the query string, then a JSON or urlencoded body (grammY sends JSON). */
async function readParams(req: http.IncomingMessage): Promise<Params> {
  const params: Params = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  if (body === '') return params;
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) return { ...params, ...(JSON.parse(body) as Params) };
  if (type.startsWith('application/x-www-form-urlencoded'))
    return { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
  throw new ApiError(400, `Bad Request: unsupported content type ${type}`);
}
