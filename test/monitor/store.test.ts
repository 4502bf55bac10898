import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../monitor/src/core/model.js';
import { createStateStore } from '../../monitor/src/store.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'store-')), 'lib', 'state.json');

describe('persisted state', () => {
  it('starts fresh without a file, saves atomically with mode 0600, and loads what it saved', () => {
    const file = fresh();
    const store = createStateStore(file);
    expect(store.load(100).state).toEqual(initialState(100));
    const active = { ...initialState(100), role: 'active' as const, activeSince: 150 };
    store.save(active);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(file, '..'))).toEqual(['state.json']);
    expect(createStateStore(file).load(200).state).toEqual(active);
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
    const old = JSON.parse(readFileSync(file, 'utf8'));
    delete old.transitions;
    delete old.counters.drills;
    writeFileSync(file, JSON.stringify(old));
    const { state } = createStateStore(file).load(5);
    expect(state.transitions).toEqual([]);
    expect(state.counters.drills).toBe(0);
  });
});
