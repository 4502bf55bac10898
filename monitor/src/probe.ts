// Probes the primary gateway's readiness endpoint. Only /readyz: OpenClaw answers any unknown path
// (e.g. /status) with 200 HTML, so a 200 alone proves nothing; the JSON body is what counts.
import type { MonitorConfig } from './config.js';
import type { Health } from './core/model.js';
import { type Answer, describeGetError, httpGet } from './http-get.js';
import { localShortage } from './local-failure.js';
import { readSecretFile } from './secret-files.js';

/** The primary answered, or failed to: a verdict on it for the decision core. */
export interface Verdict {
  health: Health;
  /** Channels the primary reports as failing (only when degraded). */
  failing: string[];
  /** Why: the HTTP status or the connection error, for logs and status. */
  detail: string;
  latencyMs: number;
}

/**
 * This machine could not make the request (out of descriptors, memory or ports): nothing was
 * learnt about the primary. Not a Health: the core only ever sees what the primary did, so its
 * consecutive-failure count keeps meaning "the primary failed", and the daemon keeps this from it.
 */
export interface Unprobed {
  health: 'unprobed';
  /** The shortage, e.g. EMFILE: one cause, logged once however many probes it stops. */
  code: string;
  detail: string;
  latencyMs: number;
}

export type ProbeResult = Verdict | Unprobed;

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Maps an answer to a health: 200 {ready:true} is up, 503 {ready:false} degraded, anything else down. */
export function classify(answer: Answer): Omit<Verdict, 'latencyMs'> {
  // A cut document is never parsed: its prefix could read as anything, even {"ready":true}.
  if (answer.truncated) {
    return {
      health: 'down',
      failing: [],
      detail: `HTTP ${answer.status} with an answer too large for readiness JSON`,
    };
  }
  const json = parseJson(answer.body);
  if (answer.status === 200 && json?.ready === true) return { health: 'up', failing: [], detail: 'ready' };
  if (answer.status === 503 && json?.ready === false) {
    const failing = Array.isArray(json.failing) ? json.failing.filter((f) => typeof f === 'string') : [];
    return {
      health: 'degraded',
      failing,
      detail: `not ready${failing.length ? `: ${failing.join(', ')}` : ''}`,
    };
  }
  const what = json ? 'unexpected JSON' : 'a body that is not OpenClaw readiness JSON';
  return { health: 'down', failing: [], detail: `HTTP ${answer.status} with ${what}` };
}

/** Maps a failed request to `down`, or to `unprobed` when the failure was this machine's own. */
export function classifyError(
  err: unknown,
  timeoutMs: number,
): Omit<Verdict, 'latencyMs'> | Omit<Unprobed, 'latencyMs'> {
  const detail = describeGetError(err, timeoutMs);
  const code = localShortage(err);
  if (code !== undefined) {
    return { health: 'unprobed', code, detail: `could not probe from this machine (${code}): ${detail}` };
  }
  return { health: 'down', failing: [], detail };
}

/** Builds the probe; reads the bearer token once (a new token comes with a reload or a restart). */
export function createProbe(primary: MonitorConfig['primary']): () => Promise<ProbeResult> {
  const url = new URL('readyz', primary.url.endsWith('/') ? primary.url : `${primary.url}/`);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (primary.tokenFile)
    headers.authorization = `Bearer ${readSecretFile('primary.tokenFile', primary.tokenFile)}`;
  const timeoutMs = primary.timeoutSeconds * 1000;

  return async () => {
    const started = performance.now();
    try {
      const answer = await httpGet(url, { headers, timeoutMs });
      return { ...classify(answer), latencyMs: performance.now() - started };
    } catch (err) {
      return { ...classifyError(err, timeoutMs), latencyMs: performance.now() - started };
    }
  };
}
