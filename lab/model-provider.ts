// A stand-in for a model endpoint on loopback, speaking two wire formats: OpenAI's chat completions
// (/v1/chat/completions, what OpenClaw's `openai-completions` provider adapter calls) and
// Anthropic's Messages API (/v1/messages, what the stack's default `anthropic/…` model calls on
// api.anthropic.com, which the droplet lab serves by name). Every turn gets the same fixed reply,
// streamed when the request asks for a stream, so the real OpenClaw agent loop runs end to end
// without a real model.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerAnthropicMessages } from './anthropic-messages.js';

/** The provider id and model id the lab's gateways use (`lab/stand-in`). */
export const LAB_PROVIDER = 'lab';
export const LAB_MODEL = 'stand-in';

export interface ModelRequest {
  at: number;
  stream: boolean;
  model: string;
  /** The text of every user message in the request, as the agent sent it (the DM is in it). */
  userText: string;
}

export class ModelProvider {
  readonly requests: ModelRequest[] = [];
  /** Requests for anything but a model turn or the model list, as `METHOD path`: a new call shows up. */
  readonly unknown: string[] = [];
  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();

  private constructor(
    server: http.Server,
    readonly reply: string,
  ) {
    this.#server = server;
  }

  static async start(reply: string): Promise<ModelProvider> {
    const server = http.createServer();
    const provider = new ModelProvider(server, reply);
    server.on('request', (req, res) => void provider.#handle(req, res));
    server.on('connection', (s) => {
      provider.#sockets.add(s);
      s.on('close', () => provider.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return provider;
  }

  /** The provider's baseUrl (models.providers.<id>.baseUrl), up to and including /v1. */
  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const json = (status: number, body: object): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/v1/models')
      return json(200, {
        object: 'list',
        data: [{ id: LAB_MODEL, object: 'model', owned_by: LAB_PROVIDER }],
      });
    const known = path === '/v1/chat/completions' || path === '/v1/messages';
    if (req.method !== 'POST' || !known) {
      this.unknown.push(`${req.method} ${path}`);
      return json(404, {
        error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' },
      });
    }

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: { model?: string; stream?: boolean; messages?: { role: string; content: unknown }[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return json(400, { error: { message: 'body is not JSON', type: 'invalid_request_error' } });
    }
    const model = body.model ?? LAB_MODEL;
    const stream = body.stream === true;
    this.requests.push({ at: Date.now(), stream, model, userText: userText(body.messages ?? []) });
    if (path === '/v1/messages') return answerAnthropicMessages(res, { model, stream, reply: this.reply });

    const id = `chatcmpl-lab-${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    if (!stream)
      return json(200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: this.reply }, finish_reason: 'stop' }],
        usage,
      });

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const event = (choices: object[], extra: object = {}) =>
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`,
      );
    event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    // Two content deltas, so a streaming consumer sees the reply assembled from parts.
    const half = Math.ceil(this.reply.length / 2);
    for (const part of [this.reply.slice(0, half), this.reply.slice(half)])
      if (part) event([{ index: 0, delta: { content: part }, finish_reason: null }]);
    event([{ index: 0, delta: {}, finish_reason: 'stop' }]);
    event([], { usage });
    res.end('data: [DONE]\n\n');
  }
}

function userText(messages: { role: string; content: unknown }[]): string {
  return messages
    .filter((m) => m.role === 'user')
    .map(({ content }) =>
      typeof content === 'string'
        ? content
        : Array.isArray(content)
          ? content
              .map((part: { type?: string; text?: string }) =>
                part.type === 'text' ? (part.text ?? '') : '',
              )
              .join('')
          : '',
    )
    .join('\n');
}
