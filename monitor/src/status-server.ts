// The loopback control endpoint behind the CLI verbs: GET /status, GET /metrics, POST /hold,
// POST /release, POST /drill?seconds=N. No authentication, so config only allows loopback, and
// bounded (STATUS_LIMITS) in what any local user can hold of it.
import http from 'node:http';
import type { Outcome } from './core/model.js';
import type { Command } from './daemon.js';
import { DEFAULT_DRILL_SECONDS } from './defaults.js';

/**
 * What a local user can hold of the endpoint, and for how long. Each connection is a file
 * descriptor of the daemon, whose probes need descriptors too, and Node would let a request that
 * never finishes its headers live 60 s: a flood of those could starve the probe. The operator's
 * verbs hold one connection at a time and a metrics scraper another; 32 leaves room for both and
 * for a few at once, and past it Node closes a new connection as soon as it is accepted.
 */
export const STATUS_LIMITS = {
  maxConnections: 32,
  // A loopback client sends its request at once: these are generous on a loaded machine.
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  // A kept-alive connection ends this long idle, or after this many requests: none lasts for ever.
  keepAliveTimeoutMs: 2_000,
  maxRequestsPerSocket: 100,
  // How often Node looks for requests past the two timeouts above (default 30 s).
  checkIntervalMs: 1_000,
} as const;

export interface StatusSource {
  status(): object;
  metrics(): string;
  command(input: Command): Outcome;
}

export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  return { host: listen.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(listen.slice(at + 1)) };
}

function reply(res: http.ServerResponse, code: number, body: unknown, type = 'application/json'): void {
  const text = type === 'application/json' ? `${JSON.stringify(body, null, 2)}\n` : String(body);
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' }).end(text);
}

function toCommand(path: string, params: URLSearchParams): Command | undefined {
  if (path === '/hold') return { type: 'hold' };
  if (path === '/release') return { type: 'release' };
  if (path === '/drill')
    return { type: 'drill', seconds: Number(params.get('seconds') ?? DEFAULT_DRILL_SECONDS) };
  return undefined;
}

/** The request's path and query; undefined for a target that is not a plain path (`http://a:b/`, `//a:b`). */
function requestUrl(target: string | undefined): URL | undefined {
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) return undefined;
  return URL.canParse(target, 'http://localhost') ? new URL(target, 'http://localhost') : undefined;
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, source: StatusSource) {
  const url = requestUrl(req.url);
  if (!url) return reply(res, 400, { error: 'the request target must be a path' });
  if (req.method === 'GET' && url.pathname === '/status') return reply(res, 200, source.status());
  if (req.method === 'GET' && url.pathname === '/metrics') {
    return reply(res, 200, source.metrics(), 'text/plain; version=0.0.4');
  }
  const command = req.method === 'POST' ? toCommand(url.pathname, url.searchParams) : undefined;
  if (!command) return reply(res, 404, { error: 'no such endpoint' });
  const outcome = source.command(command);
  if (outcome.refused)
    return reply(res, 409, { ok: false, error: outcome.refused, role: outcome.state.role });
  return reply(res, 200, { ok: true, role: outcome.state.role });
}

export async function startStatusServer(
  listen: string,
  source: StatusSource,
  onError: (error: unknown) => void,
): Promise<http.Server> {
  // No request ends the daemon: an error in answering one is logged and answered 500.
  const limits = {
    headersTimeout: STATUS_LIMITS.headersTimeoutMs,
    requestTimeout: STATUS_LIMITS.requestTimeoutMs,
    keepAliveTimeout: STATUS_LIMITS.keepAliveTimeoutMs,
    connectionsCheckingInterval: STATUS_LIMITS.checkIntervalMs,
  };
  const server = http.createServer(limits, (req, res) => {
    try {
      handle(req, res, source);
    } catch (error) {
      onError(error);
      if (!res.headersSent) reply(res, 500, { error: 'internal error, see the monitor log' });
      else res.destroy();
    }
  });
  server.maxConnections = STATUS_LIMITS.maxConnections;
  server.maxRequestsPerSocket = STATUS_LIMITS.maxRequestsPerSocket;
  const { host, port } = parseListen(listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
