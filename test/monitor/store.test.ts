import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Active, initialState, type Standby, sharedOf } from '../../monitor/src/core/model.js';
import { createStateStore, MAX_STATE_FILE_BYTES } from '../../monitor/src/store.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'store-')), 'lib', 'state.json');

/** A state file in the first format: no version, one flat object, every field of every role. */
function flatFile(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    since: 10,
    reason: 'r',
    primary: { health: 'down', failing: [], since: 10 },
    failures: 4,
    successes: 0,
    promotions: [10],
    attempts: 0,
    transitions: [{ at: 10, from: 'standby', to: fields.role, reason: 'r' }],
    counters: {
      probes: { up: 1, degraded: 0, down: 4 },
      promotions: 1,
      demotions: 0,
      startFailures: 0,
      stopFailures: 0,
      drills: 0,
    },
    ...fields,
  };
}

describe('persisted state', () => {
  it('starts fresh without a file, saves atomically with mode 0600, and loads what it saved', () => {
    const file = fresh();
    const store = createStateStore(file);
    expect(store.load(100).state).toEqual(initialState(100));
    const active: Active = {
      ...sharedOf(initialState(100)),
      role: 'active',
      activeSince: 150,
      holdDownUntil: 270,
      attempts: 0,
    };
    store.save(active);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(file, '..'))).toEqual(['state.json']);
    expect(createStateStore(file).load(200).state).toEqual(active);
  });

  it('keeps the record of unpushed changes, a retry in flight included', () => {
    const file = fresh();
    for (const retry of ['in-flight', { at: 130 }] as const) {
      const standby: Standby = {
        ...sharedOf(initialState(100)),
        role: 'standby',
        unpushed: { since: 110, failures: 2, lastError: 'remote unreachable', retry },
      };
      createStateStore(file).save(standby);
      expect(createStateStore(file).load(200).state).toEqual(standby);
    }
  });

  it('sets a corrupt or foreign file aside instead of trusting it', () => {
    for (const content of ['{"role":"act', '{"role":"boss"}']) {
      const file = fresh();
      createStateStore(file).save(initialState(1));
      writeFileSync(file, content);
      const { state, problem } = createStateStore(file).load(300);
      expect(state).toEqual(initialState(300));
      expect(problem).toMatch(/moved to .*state\.json\.corrupt-300/);
      expect(readFileSync(`${file}.corrupt-300`, 'utf8')).toBe(content);
    }
  });

  it('fills fields a newer version added with their initial values', () => {
    const file = fresh();
    createStateStore(file).save(initialState(1));
    const old = flatFile({ role: 'standby' });
    delete old.transitions;
    delete (old.counters as Record<string, unknown>).drills;
    writeFileSync(file, JSON.stringify(old));
    const { state } = createStateStore(file).load(5);
    expect(state.transitions).toEqual([]);
    expect(state.counters.drills).toBe(0);
  });
});

describe('a hostile state directory', () => {
  it('sets a directory in the state file’s place aside and starts fresh', () => {
    const file = fresh();
    mkdirSync(file, { recursive: true });
    const loaded = createStateStore(file).load(5);
    expect(loaded.state).toEqual(initialState(5));
    expect(loaded.problem).toMatch(/a directory\), moved to .*state\.json\.corrupt-5$/);
    expect(statSync(`${file}.corrupt-5`).isDirectory()).toBe(true);
  });

  it('never writes through a link planted at the temporary file', () => {
    const file = fresh();
    const victim = join(dirname(dirname(file)), 'victim');
    writeFileSync(victim, 'precious\n');
    mkdirSync(dirname(file), { recursive: true });
    symlinkSync(victim, `${file}.tmp`);
    const store = createStateStore(file);
    store.save(initialState(7));
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(store.load(8).state).toEqual(initialState(7));
  });
});

describe('the first, unversioned state file', () => {
  const load = (flat: Record<string, unknown>) => {
    const file = fresh();
    createStateStore(file).save(initialState(1));
    writeFileSync(file, JSON.stringify(flat));
    return createStateStore(file).load(50);
  };

  it('is migrated to its role’s shape, each role with exactly its fields, and saved versioned', () => {
    const promoting = load(flatFile({ role: 'promoting', attempts: 2, retryAt: 40 }));
    expect(promoting.migrated).toBe(true);
    expect(promoting.problem).toBeUndefined();
    expect(promoting.state).toMatchObject({ role: 'promoting', start: 'failed', attempts: 2, retryAt: 40 });
    const starting = load(flatFile({ role: 'promoting', attempts: 1 })).state;
    expect(starting).toMatchObject({ role: 'promoting', start: 'in-flight', attempts: 1 });
    expect(starting).not.toHaveProperty('retryAt');
    const active = load(
      flatFile({
        role: 'active',
        activeSince: 20,
        holdDownUntil: 140,
        drill: { startedAt: 15, seconds: 60, until: 80 },
      }),
    ).state;
    expect(active).toMatchObject({ role: 'active', activeSince: 20, holdDownUntil: 140, attempts: 0 });
    expect(active).toHaveProperty('drill', { startedAt: 15, seconds: 60, until: 80 });
    const standby = load(
      flatFile({ role: 'standby', activeSince: undefined, holdDownUntil: undefined }),
    ).state;
    expect(Object.keys(standby).sort()).toEqual(Object.keys(initialState(0)).sort());
    expect(standby.failures).toBe(4);
    expect(standby.counters.promotions).toBe(1);

    const file = fresh();
    const store = createStateStore(file);
    store.save(active);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 2, state: active });
    expect(store.load(60)).toEqual({ state: active });
  });

  it('is set aside when its role lacks a field it needs, or a field has the wrong type', () => {
    for (const flat of [
      flatFile({ role: 'active' }),
      flatFile({ role: 'standby', failures: 'many' }),
      flatFile({ role: 'standby', since: null }),
    ]) {
      const { state, problem } = load(flat);
      expect(state).toEqual(initialState(50));
      expect(problem).toMatch(/^state file unreadable \(unversioned file: .+\), moved to /);
    }
  });
});

describe('the versioned state file', () => {
  it('is validated in full: a wrong type anywhere sets it aside, naming the field', () => {
    const file = fresh();
    createStateStore(file).save(initialState(1));
    const good = { version: 2, state: initialState(1) };
    for (const [bad, field] of [
      [{ ...good, version: 3 }, 'version'],
      [{ ...good, state: { ...good.state, since: 'yesterday' } }, 'state.since'],
      [
        { ...good, state: { ...good.state, counters: { ...good.state.counters, promotions: -1 } } },
        'state.counters.promotions',
      ],
      [
        { ...good, state: { ...good.state, primary: { ...good.state.primary, failing: [1] } } },
        'state.primary.failing.0',
      ],
      [{ ...good, state: { ...good.state, role: 'active' } }, 'state.activeSince'],
      [{ ...good, state: { ...good.state, role: 'boss' } }, 'state.role'],
    ] as const) {
      writeFileSync(file, JSON.stringify(bad));
      const { state, problem } = createStateStore(file).load(300);
      expect(state).toEqual(initialState(300));
      expect(problem).toContain(`${field}:`);
    }
  });
});

describe('state files the monitor never wrote', () => {
  const planted = (write: (file: string) => void) => {
    const file = fresh();
    mkdirSync(dirname(file), { recursive: true });
    write(file);
    return { file, loaded: createStateStore(file).load(9) };
  };

  it('sets aside a time no Date can show (/status would throw on it) and a drill longer than a drill may be', () => {
    const good = { version: 2, state: initialState(1) };
    for (const state of [
      { ...good.state, since: 1e300 },
      { ...good.state, lastDrill: { startedAt: 1, seconds: 1e13, ok: true } },
    ]) {
      const { loaded } = planted((file) => writeFileSync(file, JSON.stringify({ ...good, state })));
      expect(loaded.state).toEqual(initialState(9));
      expect(loaded.problem).toMatch(/^state file unreadable \(state\./);
    }
  });

  it('never follows a link, nor quotes what it read, so a link to a secret leaks nothing', () => {
    const { file, loaded } = planted((file) => {
      writeFileSync(`${file}-secret`, 'token-3c9a\n');
      symlinkSync(`${file}-secret`, file);
    });
    expect(loaded.problem).toMatch(/\(a symbolic link\), moved to /);
    expect(readFileSync(`${file}-secret`, 'utf8')).toBe('token-3c9a\n');
    const notJson = planted((f) => writeFileSync(f, 'token-3c9a\n')).loaded.problem;
    expect(notJson).toMatch(/^state file unreadable \(not JSON( at position \d+)?\), moved to /);
    expect(notJson).not.toContain('token');
  });

  it('sets aside a FIFO without waiting for a writer, and a file too large to be a state', () => {
    const fifo = planted((file) => execFileSync('mkfifo', [file])).loaded;
    expect(fifo.problem).toMatch(/\(not a regular file\)/);
    const huge = planted((file) => writeFileSync(file, ' '.repeat(MAX_STATE_FILE_BYTES + 1))).loaded;
    expect(huge.problem).toMatch(/over 1048576\)/);
  });
});
