// Random mutations of a valid monitor config: a value replaced by junk (some of it carrying a
// marker that stands for a secret: a token, a URL with credentials), a key deleted, an unknown
// key added. Each case names the dot path it changed, which a refusal must name too.

import { POLICY_DEFAULTS } from '../../monitor/src/defaults.js';

type Rnd = () => number;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stands for a secret in a value: no refusal may quote it. */
export const MARKER = 'SECRET-7f3a91';

export interface ConfigCase {
  label: string;
  /** The dot path changed (the parent's, for an added key). */
  path: string;
  config: Json;
}

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

export const VALID = {
  primary: {
    url: 'http://100.101.102.103:18789',
    tokenFile: '/etc/openclaw-failover/primary-token',
    timeoutSeconds: 2,
  },
  ...POLICY_DEFAULTS,
  degradedGraceSeconds: 600,
  gateway: {
    manager: 'process',
    command: ['node', 'gw.js'],
    cwd: '/tmp',
    env: { A: '1' },
    readyUrl: 'http://127.0.0.1:18789/readyz',
    startTimeoutSeconds: 180,
    stopTimeoutSeconds: 30,
  },
  workspace: {
    path: '/home/openclaw/.openclaw/workspace',
    timeoutSeconds: 20,
    pushBack: true,
    fetchIntervalSeconds: 60,
  },
  stateFile: '/var/lib/openclaw-failover/state.json',
  status: { listen: '127.0.0.1:18790' },
  notify: [{ type: 'webhook', url: 'https://example.invalid/hook', timeoutSeconds: 5 }],
};

const JUNK: Json[] = [
  null,
  true,
  0,
  -1,
  0.5,
  1e308,
  -0,
  '',
  ' ',
  '5',
  [],
  [1, 'a'],
  {},
  { x: 1 },
  MARKER,
  `http://user:${MARKER}@h:1/`,
  `https://h/hook?token=${MARKER}`,
  `ftp://h/${MARKER}`,
  `0.0.0.0:${MARKER}`,
  `\u001b[31m${MARKER}`,
  `${MARKER}\n`,
  { token: MARKER },
  [MARKER],
];

function paths(value: Json, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((k) => [
    [...at, k],
    ...paths((value as Record<string, Json>)[k] as Json, [...at, k]),
  ]);
}

/** A mutation of `base` (by default VALID). */
export function configCase(rnd: Rnd, base: unknown = VALID): ConfigCase {
  const config = JSON.parse(JSON.stringify(base)) as Json;
  const all = paths(config);
  const path = pick(rnd, all);
  let parent = config as Record<string, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, Json>;
  const key = path.at(-1) as string;
  const kind = Math.floor(rnd() * 6);
  if (kind === 0) {
    delete parent[key];
    return { label: `${path.join('.')} deleted`, path: path.join('.'), config };
  }
  if (kind === 1 && typeof parent[key] === 'object' && !Array.isArray(parent[key]) && parent[key] !== null) {
    (parent[key] as Record<string, Json>).surplusKey = pick(rnd, JUNK);
    return { label: `${path.join('.')}.surplusKey added`, path: `${path.join('.')}.surplusKey`, config };
  }
  const value = pick(rnd, JUNK);
  parent[key] = value;
  return { label: `${path.join('.')} = ${JSON.stringify(value)}`, path: path.join('.'), config };
}
