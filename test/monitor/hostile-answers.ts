// Random answers to a probe, hostile or not, each with what the readiness contract says it is
// (200 + JSON {"ready":true}: up; 503 + JSON {"ready":false,…}: degraded with its string
// channels; anything else: down), as the bytes a raw server sends (hostile-server.ts), so framing
// can be wrong in ways an HTTP server library would not allow. The expectation comes from how a
// case was built, never from parsing what is sent; the content type plays no part in it.
import type { Health } from '../../monitor/src/core/model.js';

export type Step =
  | { write: Buffer }
  | { wait: number }
  | { end: true }
  /** Resets the connection (RST). */
  | { reset: true }
  /** Writes chunks until the client goes away. */
  | { endless: 'chunked' | 'raw' };

export interface HostileCase {
  label: string;
  steps: Step[];
  expected: { health: Health; failing: string[] };
  /** It may take the whole timeout: nothing ends it before. */
  slow: boolean;
}

type Rnd = () => number;
type Meaning = { kind: 'ready' } | { kind: 'not-ready'; failing: string[] } | { kind: 'other' };

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

/** Text from every plane but the surrogates, control characters included. */
function randomText(rnd: Rnd, max: number): string {
  const ranges: [number, number][] = [
    [0, 0x7f],
    [0x80, 0x7ff],
    [0x800, 0xd7ff],
    [0xe000, 0xffff],
    [0x10000, 0x10ffff],
  ];
  let s = '';
  for (let n = int(rnd, 0, max); n > 0; n--) {
    const [lo, hi] = pick(rnd, ranges);
    s += String.fromCodePoint(int(rnd, lo, hi));
  }
  return s;
}

function junkValue(rnd: Rnd, depth = 0): unknown {
  const kind = int(rnd, 0, depth > 2 ? 3 : 5);
  if (kind === 0) return null;
  if (kind === 1) return rnd() < 0.5;
  if (kind === 2) return pick(rnd, [0, -1, 1e308, 3.5, 2 ** 53]);
  if (kind === 3) return randomText(rnd, 12);
  if (kind === 4) return Array.from({ length: int(rnd, 0, 3) }, () => junkValue(rnd, depth + 1));
  return Object.fromEntries(
    Array.from({ length: int(rnd, 0, 3) }, () => [randomText(rnd, 6), junkValue(rnd, depth + 1)]),
  );
}

/** A readiness-like JSON document and what it means; serialized with JSON.stringify, so valid. */
function readinessJson(rnd: Rnd, honest?: boolean): { text: string; meaning: Meaning } {
  const ready =
    honest ?? pick(rnd, [true, true, false, false, 'true', 'false', 1, 0, null, undefined, [true], {}]);
  const failing = pick(rnd, [
    undefined,
    [],
    ['telegram'],
    Array.from({ length: int(rnd, 1, 4) }, () => (rnd() < 0.7 ? randomText(rnd, 10) : junkValue(rnd))),
    'telegram',
    { telegram: true },
  ]);
  const doc: Record<string, unknown> = {};
  for (let n = int(rnd, 0, 3); n > 0; n--) doc[randomText(rnd, 8)] = junkValue(rnd);
  if (ready !== undefined) doc.ready = ready;
  if (failing !== undefined) doc.failing = failing;
  for (let n = int(rnd, 0, 2); n > 0; n--) doc[`x${randomText(rnd, 8)}`] = junkValue(rnd);
  // Where `ready` sits among junk keys matters to no parser, nor should it to the probe.
  const ws = () => pick(rnd, ['', ' ', '\n', '\t', '\r\n  ']);
  const text = ws() + JSON.stringify(doc, null, pick(rnd, [0, 2, '\t'])) + ws();
  if (ready === true) return { text, meaning: { kind: 'ready' } };
  if (ready === false) {
    const names = Array.isArray(failing) ? failing.filter((f): f is string => typeof f === 'string') : [];
    return { text, meaning: { kind: 'not-ready', failing: names } };
  }
  return { text, meaning: { kind: 'other' } };
}

/** Documents that look like readiness but are not JSON, or not an object that is ready. */
function notReadiness(rnd: Rnd): string {
  const valid = JSON.stringify({ ready: rnd() < 0.5, failing: ['telegram'] });
  return pick(rnd, [
    () => `${valid}${pick(rnd, ['x', '}', ',', valid, '\u0000'])}`,
    () => valid.slice(0, int(rnd, 1, valid.length - 1)),
    () => `\ufeff${valid}`,
    () => "{'ready':true}",
    () => '{"ready":true,}',
    () => '{"ready":true /* ok */}',
    () => '{"ready":NaN}',
    () => '{"__proto__":{"ready":true}}',
    () => '[{"ready":true}]',
    () => pick(rnd, ['true', 'null', '"ready"', '1', '""', '']),
    () => '<html><body>{"ready":true}</body></html>',
    () => randomText(rnd, 40),
  ])();
}

/**
 * A ready JSON document of about `chars` UTF-16 units, padded inside a string with one- to
 * four-byte characters, or after the document with whitespace: then what fits under the cap is
 * itself a whole ready document, which only the cut mark tells from a real one.
 */
function paddedReady(rnd: Rnd, chars: number): string {
  if (rnd() < 0.3) return '{"ready":true}'.padEnd(chars, pick(rnd, [' ', '\n', '\r\n\t']));
  const unit = pick(rnd, ['x', '\u00e9', '\u20ac', '\u{1f600}']);
  const head = '{"ready":true,"pad":"';
  return `${head}${unit.repeat(Math.max(0, Math.floor((chars - head.length - 2) / unit.length)))}"}`;
}

function head(rnd: Rnd, status: number, headers: string[]): Buffer {
  const reason = pick(rnd, ['OK', '', 'Service Unavailable', 'Ready']);
  return Buffer.from(`HTTP/1.1 ${status} ${reason}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
}

/** Splits a buffer at random byte offsets, UTF-8 sequences included. */
function pieces(rnd: Rnd, data: Buffer): Buffer[] {
  const cuts = Array.from({ length: int(rnd, 0, 3) }, () => int(rnd, 0, data.length)).sort((a, b) => a - b);
  return [0, ...cuts].map((from, i) => data.subarray(from, [...cuts, data.length][i]));
}

export const chunk = (piece: Buffer, ext = '') =>
  Buffer.concat([Buffer.from(`${piece.length.toString(16)}${ext}\r\n`), piece, Buffer.from('\r\n')]);

const COMPLETE = ['length', 'early-hints', 'chunked', 'close'];

/**
 * One random answer. A third are well-formed readiness answers (200 ready or 503 not ready,
 * completely sent) varied only where the contract does not look, so up and degraded are common;
 * the rest is random in status, body and framing.
 */
export function hostileCase(rnd: Rnd, cap: number): HostileCase {
  const honest = rnd() < 0.35 ? rnd() < 0.5 : undefined;
  const shape = honest === undefined ? pick(rnd, ['json', 'json', 'json', 'not-json', 'huge']) : 'json';
  // A huge document is about size alone: sent whole as a 200, only its length decides.
  const status =
    honest === true || shape === 'huge'
      ? 200
      : honest === false
        ? 503
        : pick(rnd, [200, 200, 200, 200, 503, 503, 503, 500, 502, 404, 204, 304, 301, 418, 299, 599]);
  const type = pick(rnd, [
    'content-type: application/json',
    'content-type: application/json; charset=utf-8',
    'content-type: text/html',
    'content-type: application/octet-stream',
    'content-type: x/y;;;',
    undefined,
  ]);
  let text: string;
  let meaning: Meaning;
  if (shape === 'json') ({ text, meaning } = readinessJson(rnd, honest));
  else if (shape === 'huge') {
    text = paddedReady(rnd, rnd() < 0.8 ? int(rnd, cap - 64, cap + 64) : int(rnd, cap, 4 * cap));
    meaning = { kind: 'ready' };
  } else [text, meaning] = [notReadiness(rnd), { kind: 'other' }];
  const body = Buffer.from(text);
  const headers = type ? [type] : [];
  const framing =
    honest === undefined && shape !== 'huge'
      ? pick(rnd, [
          ...['length', 'length', 'chunked', 'chunked', 'close', 'early-hints'],
          ...['short', 'unterminated', 'endless', 'reset', 'huge-header', 'two-lengths', 'not-http'],
          ...['silent', 'stall', 'trickle'],
        ])
      : pick(rnd, COMPLETE);
  const waits = (parts: Buffer[]): Step[] =>
    parts.flatMap((write) => (rnd() < 0.3 ? [{ wait: int(rnd, 1, 40) }, { write }] : [{ write }]));
  const h = (extra: string[]) => head(rnd, status, [...headers, ...extra]);
  // `extra` bytes more than are sent: a body that can never be complete.
  const length = (extra = 0) => h([`content-length: ${body.length + extra}`]);
  const prefix = () => body.subarray(0, int(rnd, 0, body.length));
  let steps: Step[];
  switch (framing) {
    case 'length':
      steps = waits([length(), ...pieces(rnd, body)]);
      break;
    case 'early-hints':
      steps = [
        { write: head(rnd, 103, ['link: </a>; rel=preload']) },
        ...waits([length(), ...pieces(rnd, body)]),
      ];
      break;
    case 'chunked': {
      const ext = pick(rnd, ['', ';a=b']);
      const chunks = pieces(rnd, body)
        .filter((p) => p.length > 0)
        .map((p) => chunk(p, ext));
      steps = [...waits([h(['transfer-encoding: chunked']), ...chunks]), { write: Buffer.from('0\r\n\r\n') }];
      break;
    }
    case 'close':
      steps = [...waits([h(['connection: close']), ...pieces(rnd, body)]), { end: true }];
      break;
    case 'short':
      steps = [{ write: length(int(rnd, 1, 100)) }, { write: body }, { end: true }];
      break;
    case 'unterminated':
      steps = [{ write: h(['transfer-encoding: chunked']) }, { write: chunk(body) }, { end: true }];
      break;
    case 'endless': {
      const chunked = rnd() < 0.5;
      const start = Buffer.from('{"ready":true,"pad":"');
      steps = chunked
        ? [{ write: h(['transfer-encoding: chunked']) }, { write: chunk(start) }, { endless: 'chunked' }]
        : [{ write: h([]) }, { write: start }, { endless: 'raw' }];
      break;
    }
    case 'reset':
      steps = [{ write: length(1) }, { write: prefix() }, { reset: true }];
      break;
    case 'huge-header':
      steps = [{ write: h([`x-pad: ${'a'.repeat(int(rnd, 17, 40) * 1024)}`]) }, { write: body }];
      break;
    case 'two-lengths':
      steps = [{ write: h(['content-length: 1', `content-length: ${body.length}`]) }, { write: body }];
      break;
    case 'not-http':
      steps = [{ write: Buffer.concat([Buffer.from([0xff, int(rnd, 0, 255)]), body]) }, { end: true }];
      break;
    case 'silent':
      steps = [];
      break;
    case 'stall':
      steps = [{ write: length(1) }, { write: prefix() }];
      break;
    default: {
      // trickle: a byte every 40 ms, for longer than a probe waits, of a body that never completes
      const bytes = [...Buffer.concat([body, Buffer.alloc(60, 0x20)]).subarray(0, 60)];
      steps = [{ write: length(1000) }, ...bytes.flatMap((b) => [{ wait: 40 }, { write: Buffer.from([b]) }])];
    }
  }
  const complete = COMPLETE.includes(framing);
  const counted = complete && text.length <= cap;
  const health: Health =
    counted && status === 200 && meaning.kind === 'ready'
      ? 'up'
      : counted && status === 503 && meaning.kind === 'not-ready'
        ? 'degraded'
        : 'down';
  return {
    label: `${framing} ${status} ${type ?? 'no type'} ${shape} (${text.length} chars): ${JSON.stringify(text.slice(0, 80))}`,
    steps,
    expected: {
      health,
      failing: health === 'degraded' && meaning.kind === 'not-ready' ? meaning.failing : [],
    },
    slow: ['silent', 'stall', 'trickle'].includes(framing),
  };
}
