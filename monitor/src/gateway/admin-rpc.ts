// Which channels the local OpenClaw gateway runs, from the gateway itself: its bundled
// admin-http-rpc plugin serves `POST /api/v1/admin/rpc` with the gateway token as bearer, and
// `channels.status` answers per channel account (shape in docs/platform-facts.md).
import { readFile } from 'node:fs/promises';

/** The fields of `payload.channelAccounts.<channel>[0]` the warm standby decides on. */
export interface ChannelAccount {
  enabled: boolean;
  running: boolean;
  connected: boolean;
  lastError: string | null;
  /** "starting", "running", "recovering", …: what the gateway says the channel is doing. */
  lifecycle: string | null;
}

/**
 * `account` is undefined while the channel was never loaded in this process (a warm standby that
 * has not been promoted since the gateway started). `unreachable`: no answer at all (the gateway
 * is down, starting or hung); anything else that is not an answer throws.
 */
export type ChannelStatus =
  | {
      reachable: true;
      account: ChannelAccount | undefined;
      /**
       * The gateway's own diagnosis of the channel (`payload.statusIssues`), e.g. a config reload
       * deferred "while active work finishes": the one thing that says why a switch did not apply.
       */
      issues: string[];
    }
  | { reachable: false; detail: string };

// Loopback; a gateway busy starting a channel still answers within a second (measured).
const LOCAL_TIMEOUT_MS = 3000;
const MAX_ANSWER_CHARS = 1024 * 1024;

/** An answer of the RPC, or none: `unreachable` covers no connection, a timeout and a starting gateway. */
export type RpcAnswer =
  | { reachable: true; body: unknown; what: string }
  | { reachable: false; detail: string };

export class AdminRpc {
  readonly #url: URL;
  readonly #tokenFile: string;
  readonly #timeoutMs: number;

  /** `gatewayUrl`: any URL of the gateway (its readyUrl); the RPC path is on the same origin. */
  constructor(gatewayUrl: string, tokenFile: string, timeoutMs = LOCAL_TIMEOUT_MS) {
    this.#url = new URL('/api/v1/admin/rpc', gatewayUrl);
    this.#tokenFile = tokenFile;
    this.#timeoutMs = timeoutMs;
  }

  async channelStatus(channel: string): Promise<ChannelStatus> {
    const answer = await this.call('channels.status', {});
    if (!answer.reachable) return answer;
    return {
      reachable: true,
      account: accountOf(answer.body, channel, answer.what),
      issues: issuesOf(answer.body, channel),
    };
  }

  /**
   * Starts a channel the config enables but that is not running (stopped by hand, or failed):
   * a config write that changes nothing is not a reload. Resolves once the gateway accepted it.
   */
  async startChannel(channel: string): Promise<void> {
    const answer = await this.call('channels.start', { channel });
    if (!answer.reachable) throw new Error(answer.detail);
    const { ok } = (answer.body ?? {}) as { ok?: unknown };
    if (ok !== true) throw new Error(`${answer.what} refused: ${JSON.stringify(answer.body).slice(0, 200)}`);
  }

  /**
   * Calls one method. Throws on an answer that says the call can never work as configured (401: a
   * wrong token; 404 or HTML: the admin-http-rpc plugin is not enabled) or that is not JSON.
   */
  async call(method: string, params: object): Promise<RpcAnswer> {
    // Read at every call: a token rotated by a deploy is picked up without a monitor restart.
    const token = (await readFile(this.#tokenFile, 'utf8')).trim();
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.#url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ method, params }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const detail =
        e.name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs / 1000} s`
          : (e.cause?.code ?? e.message);
      return { reachable: false, detail: `${method} at ${this.#url.href}: ${detail}` };
    }
    const what = `${method} at ${this.#url.href}`;
    // A starting gateway answers 503 "Plugin runtime is starting" for a second or two after its
    // port opens (measured): no answer yet, as before the port opened.
    if (res.status === 503) return { reachable: false, detail: `${what}: HTTP 503 ${text.slice(0, 100)}` };
    // 401: a wrong token in tokenFile; 404 or HTML: the admin-http-rpc plugin is not enabled in
    // openclaw.json; 400 is a refused call, answered as {ok: false, error}.
    if (res.status !== 200 && res.status !== 400)
      throw new Error(`${what} answered HTTP ${res.status}: ${text.slice(0, 200)}`);
    if (text.length > MAX_ANSWER_CHARS)
      throw new Error(`${what} answered more than ${MAX_ANSWER_CHARS} characters`);
    try {
      return { reachable: true, body: JSON.parse(text) as unknown, what };
    } catch {
      throw new Error(`${what} answered HTTP ${res.status} but not JSON: ${text.slice(0, 200)}`);
    }
  }
}

function accountOf(answer: unknown, channel: string, what: string): ChannelAccount | undefined {
  const { ok, payload } = (answer ?? {}) as { ok?: unknown; payload?: { channelAccounts?: unknown } };
  if (ok !== true || typeof payload !== 'object' || payload === null)
    throw new Error(`${what} did not answer {ok: true, payload}: ${JSON.stringify(answer).slice(0, 200)}`);
  const accounts = (payload.channelAccounts ?? {}) as Record<string, unknown>;
  const list = accounts[channel];
  if (list === undefined) return undefined;
  const first = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
  if (first === undefined || typeof first.enabled !== 'boolean' || typeof first.running !== 'boolean')
    throw new Error(`${what}: channelAccounts.${channel}[0] has no enabled/running flags`);
  return {
    enabled: first.enabled,
    running: first.running,
    connected: first.connected === true,
    lastError: typeof first.lastError === 'string' ? first.lastError : null,
    lifecycle: typeof first.lifecycle === 'string' ? first.lifecycle : null,
  };
}

/** Only for diagnostics: whatever is not a list of `{channel, message}` is left out, not refused. */
function issuesOf(answer: unknown, channel: string): string[] {
  const { statusIssues } = ((answer as { payload?: unknown }).payload ?? {}) as { statusIssues?: unknown };
  if (!Array.isArray(statusIssues)) return [];
  return statusIssues
    .filter((i): i is { channel: unknown; message: string } => typeof i?.message === 'string')
    .filter((i) => i.channel === channel)
    .map((i) => i.message.slice(0, 300));
}
