// Random requests to the status endpoint, hostile or not, as the raw bytes a local user can send
// over TCP: methods, targets (absolute URLs, `//x`, `%zz`, NUL, very long paths), drill values,
// headers and bodies an HTTP client library would never produce. None of them may change the
// monitor's role: a command target (POST /hold, POST /drill with a valid number of seconds) is
// never generated, so a test can assert the standby stays standby beside a healthy primary.
// The command words themselves do come up, in targets that must not run them.

import { DEFAULT_DRILL_SECONDS } from '../../monitor/src/defaults.js';
import { isDrillSeconds } from '../../monitor/src/drill-seconds.js';

type Rnd = () => number;

export interface HostileRequest {
  label: string;
  bytes: Buffer;
}

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

// GET and POST, the methods the endpoint serves, come up most.
const METHODS = [
  'GET',
  'GET',
  'GET',
  'POST',
  'POST',
  'POST',
  'HEAD',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
];
const ODD_METHODS = ['get', 'post', 'G\0T', ' GET', '', 'PRI', 'M'.repeat(300), 'BREW', 'GE\u00e9T'];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'http/1.1', ''];

/** Every one of these is refused by the core, or by the parser before it (never a drill). */
export const HOSTILE_SECONDS = [
  'Infinity',
  '-Infinity',
  '+Infinity',
  '1e13',
  '1e12',
  '1e308',
  '1e309',
  '86401',
  '-1',
  '-0',
  '0',
  'NaN',
  '',
  'abc',
  '0x',
  '5s',
  '1,5',
  '%zz',
  '%00',
  '\0',
  '9'.repeat(400),
  '1'.repeat(20_000),
  '[]',
  '{}',
];

/** Pieces of targets; a join that would run a command (commandTarget) is drawn again. */
const PIECES = [
  '/',
  '//',
  '///x',
  'http://',
  'http://a:b/status',
  'http://localhost/status',
  'https://u:p@h/metrics',
  '*',
  'a:b',
  '@',
  '?',
  '#',
  '%',
  '%zz',
  '%00',
  '%2e%2e',
  '..',
  '\\',
  'status',
  'metrics',
  'release',
  'hold',
  'drill',
  'seconds=',
  '1e308',
  '-1',
  'NaN',
  '\u00e9',
  '\u{1f600}',
  '\0',
  '\t',
  ' ',
  '[::1]',
  ':0',
  '&',
  '=',
  '~',
  'seconds=1e13',
  'x'.repeat(64),
];

function target(rnd: Rnd, method: string): string {
  const kind = int(rnd, 0, 9);
  if (kind === 0) return `/drill?seconds=${pick(rnd, HOSTILE_SECONDS)}`;
  if (kind === 1) return `/drill?seconds=${pick(rnd, HOSTILE_SECONDS)}&seconds=5`;
  if (kind === 2) return pick(rnd, ['/status', '/metrics', '/status?x=1', '/metrics#frag']);
  if (kind === 3) return `/${'a/'.repeat(int(rnd, 1, 12_000))}`;
  // Any method but POST may name a command: only POST runs one (and a method only ever mutates
  // into one of ODD_METHODS, none of which is POST).
  if (kind === 4 && method !== 'POST') return pick(rnd, ['/hold', '/drill', '/drill?seconds=5']);
  const pieces = (lo: number, hi: number) =>
    Array.from({ length: int(rnd, lo, hi) }, () => pick(rnd, PIECES)).join('');
  // Under POST, kinds 4 to 6 are a command word among pieces: as near to running it as may be sent.
  const word = kind >= 4 && kind <= 6;
  for (;;) {
    const joined = word ? `${pieces(0, 3)}${pick(rnd, ['hold', 'drill'])}${pieces(0, 3)}` : pieces(1, 6);
    if (method !== 'POST' || !commandTarget(joined)) return joined;
  }
}

/**
 * Whether POST to this target may run a command that changes the role: its bytes as sent
 * (latin1), without the spaces Node's parser skips around a target, read as a plain path that is
 * /hold, or /drill with seconds the core accepts (its default when none is given).
 */
function commandTarget(target: string): boolean {
  const sent = Buffer.from(target, 'latin1')
    .toString('latin1')
    .replace(/^ +| +$/g, '');
  if (!sent.startsWith('/') || sent.startsWith('//') || !URL.canParse(sent, 'http://h')) return false;
  const url = new URL(sent, 'http://h');
  if (url.pathname === '/hold') return true;
  const seconds = url.searchParams.get('seconds');
  return (
    url.pathname === '/drill' && isDrillSeconds(seconds === null ? DEFAULT_DRILL_SECONDS : Number(seconds))
  );
}

/** Harmless alone, each: what a client library or curl sends. */
const PLAIN_HEADERS = [
  'Accept: */*',
  'User-Agent: curl/8.5.0',
  'Connection: close',
  'Connection: keep-alive',
  'Content-Type: application/json',
  'X-Forwarded-For: 1.2.3.4',
  'Authorization: Bearer guessed-token',
];

const HOSTILE_HEADERS = [
  'Host: evil.example',
  'Host: a:b@c',
  'Content-Length: 5',
  'Content-Length: -1',
  'Content-Length: 99999999999999999999',
  'Content-Length: 1e3',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 3',
  'Expect: 100-continue',
  'Expect: tea',
  'Upgrade: websocket\r\nConnection: Upgrade',
  ' folded: header',
  'No-Colon-Header',
  'X-Nul: a\0b',
  'X-Ctl: \x1b[31mred',
  'X-Utf8: \u00e9\u{1f600}',
  `X-Big: ${'b'.repeat(20_000)}`,
  ': empty-name',
];

function body(rnd: Rnd): string {
  const kind = int(rnd, 0, 4);
  if (kind === 0) return '{"seconds":5}';
  if (kind === 1) return '5\r\nhello\r\n0\r\n\r\n';
  if (kind === 2) return 'zz\r\nnot a chunk\r\n';
  if (kind === 3) return 'x'.repeat(int(rnd, 1, 70_000));
  return Array.from({ length: int(rnd, 1, 200) }, () => String.fromCharCode(int(rnd, 0, 255))).join('');
}

/**
 * A well-formed request, then 0 to 3 mutations: an odd method, an odd target, an odd version,
 * hostile headers, a body, bare LF line ends, a missing Host, or a cut before its end.
 */
export function hostileRequest(rnd: Rnd): HostileRequest {
  let method = pick(rnd, METHODS);
  let version = 'HTTP/1.1';
  let tgt = pick(rnd, ['/status', '/metrics', `/drill?seconds=${pick(rnd, HOSTILE_SECONDS)}`, '/release']);
  const headers = [
    'Host: 127.0.0.1',
    ...Array.from({ length: int(rnd, 0, 2) }, () => pick(rnd, PLAIN_HEADERS)),
  ];
  let tail = '';
  let eol = '\r\n';
  let cut = false;
  for (let n = int(rnd, 0, 3); n > 0; n--) {
    const mutation = int(rnd, 0, 7);
    if (mutation === 0) method = pick(rnd, ODD_METHODS);
    else if (mutation === 1 || mutation === 2) tgt = target(rnd, method);
    else if (mutation === 3) version = pick(rnd, VERSIONS);
    else if (mutation === 4) headers.push(pick(rnd, HOSTILE_HEADERS));
    else if (mutation === 5) tail = body(rnd);
    else if (mutation === 6) headers.shift();
    else if (rnd() < 0.5) eol = '\n';
    else cut = true;
  }
  let text = `${[`${method} ${tgt} ${version}`, ...headers].join(eol)}${eol}${eol}${tail}`;
  if (cut) text = text.slice(0, int(rnd, 0, text.length));
  const label = `${JSON.stringify(text.slice(0, 120))}${text.length > 120 ? `… (${text.length} chars)` : ''}`;
  return { label, bytes: Buffer.from(text, 'latin1') };
}
