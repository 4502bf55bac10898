// Random mutations of valid versioned state files, each with what loading it must give: the state
// written (a mutation the format allows), a fresh state with the file set aside (one it forbids),
// or either (a random value at a random place, which may or may not fit). The expectation comes
// from how a case was built, never from the schema under test.
import {
  type Active,
  type Demoting,
  type Held,
  initialState,
  type Promoting,
  type Standby,
  type State,
  sharedOf,
} from '../../monitor/src/core/model.js';

type Rnd = () => number;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface StateFileCase {
  label: string;
  /** The bytes at the state file's path, or a directory, or a link to a file with `content`. */
  file: { content: string | Buffer } | { directory: true } | { link: string | Buffer };
  /**
   * `state`: loads equal to it; `aside`: set aside, fresh state; `either`: one of the two, and
   * when loaded, matching `written` if given (an unknown key a changed byte made is dropped).
   */
  expected: { state: State } | { aside: true } | { either: true; written?: Json };
}

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

/** One valid state of every role, with the optional fields filled in. */
export function validStates(): State[] {
  const shared = {
    ...sharedOf(initialState(1_700_000_000)),
    primary: {
      health: 'up' as const,
      failing: ['telegram'],
      since: 1_700_000_010,
      degradedSince: 1_700_000_005,
    },
    failures: 2,
    recentFailures: [3, 17, 40],
    promotions: [1_699_999_000],
    lastDrill: {
      startedAt: 1_699_990_000,
      seconds: 60,
      ok: true,
      readyAfterSeconds: 4.5,
      finishedAfterSeconds: 64,
    },
    transitions: [{ at: 1_699_999_000, from: 'standby' as const, to: 'promoting' as const, reason: 'down' }],
  };
  const unpushed = {
    since: 1_700_000_001,
    failures: 1,
    lastError: 'remote gone',
    retry: { at: 1_700_000_030 },
  };
  const standby: Standby = { ...shared, role: 'standby', unpushed };
  const held: Held = { ...shared, role: 'held' };
  const promoting: Promoting = {
    ...shared,
    role: 'promoting',
    attempts: 1,
    start: 'failed',
    retryAt: 1_700_000_100,
  };
  const active: Active = {
    ...shared,
    role: 'active',
    activeSince: 1_700_000_000,
    holdDownUntil: 1_700_000_120,
    drill: { startedAt: 1_700_000_000, seconds: 60, until: 1_700_000_060 },
    attempts: 0,
  };
  const demoting: Demoting = { ...shared, role: 'demoting', attempts: 2, activeSince: 1_699_999_900 };
  return [initialState(1_700_000_000), standby, held, promoting, active, demoting];
}

/** Every path to a value in a document (not the root). */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...at, k], ...paths((value as Record<string, Json>)[k] as Json, [...at, k])]);
}

function setAt(
  doc: Json,
  path: (string | number)[],
  change: (parent: Record<string, Json>, key: string) => void,
) {
  let parent = doc as Record<string, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, Json>;
  change(parent, String(path.at(-1)));
}

const JUNK: Json[] = [
  null,
  true,
  false,
  0,
  -1,
  0.5,
  1e308,
  -1e308,
  '',
  'x',
  '1700000000',
  [],
  [1],
  {},
  { a: 1 },
];

/** Values no number of the format may take, written into the text (JSON.stringify cannot). */
const NON_FINITE = ['1e999', '-1e999'];

/** A state with a field of the wrong type or a forbidden number where the format is known to say so. */
function forbidden(
  rnd: Rnd,
  doc: { version: number; state: Record<string, Json> },
): { label: string; text: string } {
  const s = doc.state;
  const wrongs: [string, () => void][] = [
    ['since is a string', () => (s.since = 'yesterday')],
    ['reason is a number', () => (s.reason = 5)],
    ['failures is negative', () => (s.failures = -1)],
    ['failures is fractional', () => (s.failures = 1.5)],
    ['role is unknown', () => (s.role = pick(rnd, ['boss', 'ACTIVE', '', null]))],
    ['primary.health is unknown', () => ((s.primary as Record<string, Json>).health = 'fine')],
    ['primary.failing holds a number', () => ((s.primary as Record<string, Json>).failing = [1])],
    ['counters is missing', () => delete s.counters],
    ['transitions is an object', () => (s.transitions = {})],
    ['version is 3', () => (doc.version = 3)],
    ['version is a string', () => (doc.version = '2' as never)],
    ['the state is an array', () => ((doc as Record<string, Json>).state = [])],
  ];
  const [label, wrong] = pick(rnd, wrongs);
  wrong();
  return { label, text: JSON.stringify(doc) };
}

export function stateFileCase(rnd: Rnd): StateFileCase {
  const state = pick(rnd, validStates());
  const doc = JSON.parse(JSON.stringify({ version: 2, state })) as {
    version: number;
    state: Record<string, Json>;
  };
  const text = JSON.stringify(doc);
  const kind = int(rnd, 0, 11);
  const role = state.role;
  switch (kind) {
    case 0:
      return {
        label: `${role}: as written, pretty`,
        file: { content: JSON.stringify(doc, null, 2) },
        expected: { state },
      };
    case 1: {
      // Unknown keys are not the format's: dropped, the rest loads as written.
      const extra = {
        ...doc,
        written: 'by a newer monitor',
        state: { ...doc.state, [`x${int(rnd, 0, 9)}`]: 1 },
      };
      return {
        label: `${role}: with extra keys`,
        file: { content: JSON.stringify(extra) },
        expected: { state },
      };
    }
    case 2: {
      const { label, text: bad } = forbidden(rnd, doc);
      return { label: `${role}: ${label}`, file: { content: bad }, expected: { aside: true } };
    }
    case 3: {
      const p = pick(
        rnd,
        paths(doc.state).filter((x) => typeof x.at(-1) === 'string'),
      );
      const marker = '"__NONFINITE__"';
      setAt(doc.state, p, (parent, key) => {
        if (typeof parent[key] === 'number') parent[key] = '__NONFINITE__';
      });
      const bad = JSON.stringify(doc).replace(marker, pick(rnd, NON_FINITE));
      return {
        label: `${role}: ${p.join('.')} non-finite`,
        file: { content: bad },
        expected: bad === text ? { state } : { aside: true },
      };
    }
    case 4: {
      const cut = text.slice(0, int(rnd, 0, text.length - 1));
      return {
        label: `${role}: truncated at ${cut.length}`,
        file: { content: cut },
        expected: { aside: true },
      };
    }
    case 5: {
      const junk = Buffer.from(Array.from({ length: int(rnd, 0, 4096) }, () => int(rnd, 0, 255)));
      // A lone digit or `null` is JSON, but never a state file.
      return {
        label: `binary junk (${junk.length} bytes)`,
        file: { content: junk },
        expected: { aside: true },
      };
    }
    case 6: {
      const huge = pick(rnd, ['transitions', 'promotions', 'recentFailures']);
      const item = huge === 'transitions' ? (state.transitions[0] as unknown as Json) : 1;
      doc.state[huge] = Array.from({ length: int(rnd, 1000, 40_000) }, () => item);
      return {
        label: `${role}: ${huge} huge`,
        file: { content: JSON.stringify(doc) },
        expected: { aside: true },
      };
    }
    case 7: {
      const at = int(rnd, 0, text.length - 1);
      const flipped = `${text.slice(0, at)}${String.fromCharCode(int(rnd, 0, 255))}${text.slice(at + 1)}`;
      return { label: `${role}: byte ${at} changed`, file: { content: flipped }, expected: { either: true } };
    }
    case 8:
      return { label: 'a directory', file: { directory: true }, expected: { aside: true } };
    case 9:
      return { label: `a link to a valid ${role} file`, file: { link: text }, expected: { aside: true } };
    case 10:
      return {
        label: 'a link to a secret',
        file: { link: 'secret-token-5b8e1f\n' },
        expected: { aside: true },
      };
    default: {
      // A random value at a random place: the format may allow it (an optional field dropped, a number for a number) or not.
      const p = pick(rnd, paths(doc.state));
      const value = pick(rnd, [...JUNK, undefined]);
      setAt(doc.state, p, (parent, key) => {
        if (value === undefined) delete parent[key];
        else parent[key] = value;
      });
      const label = `${role}: ${p.join('.')} = ${value === undefined ? '(deleted)' : JSON.stringify(value)}`;
      return {
        label,
        file: { content: JSON.stringify(doc) },
        expected: { either: true, written: doc.state },
      };
    }
  }
}
