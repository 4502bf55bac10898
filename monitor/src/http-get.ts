// One HTTP GET on a fresh connection (agent: false): a pooled keep-alive socket to a dead, frozen
// or restarting host would tell less than a new connect does. Bounded in time and body size.
import http from 'node:http';
import https from 'node:https';

/** The default cap on a body: far above any readiness JSON, far below what would strain the monitor. */
export const MAX_BODY_CHARS = 64 * 1024;

export interface Answer {
  status: number;
  /** At most maxBodyChars. */
  body: string;
  /** The body went past maxBodyChars: reading stopped there and the connection was closed. */
  truncated: boolean;
}

export interface GetOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
  /** Cancels the request early (shutdown). */
  signal?: AbortSignal;
  maxBodyChars?: number;
}

/** Rejects with the connection error, or with a TimeoutError/AbortError. */
export function httpGet(url: URL, options: GetOptions): Promise<Answer> {
  const { timeoutMs, headers, maxBodyChars = MAX_BODY_CHARS } = options;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, { headers, agent: false, signal }, (res) => {
      const status = res.statusCode ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length <= maxBodyChars) return;
        // An endless body must not keep a core busy until the timeout: stop reading now.
        resolve({ status, body: body.slice(0, maxBodyChars), truncated: true });
        res.destroy();
      });
      res.on('end', () => resolve({ status, body, truncated: false }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A short reason for a failed request, for logs. */
export function describeGetError(err: unknown, timeoutMs: number): string {
  const e = err as NodeJS.ErrnoException;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000}s`;
  return e.code ? `${e.code} ${e.message}` : String(e.message ?? err);
}
