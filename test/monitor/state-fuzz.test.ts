// Property-style: 400 random mutations (fixed seed, hostile-state-files.ts) of valid state files
// loaded by the real store. Loading never throws; a file the format forbids is set aside (renamed,
// its bytes kept) and a fresh state starts; one it allows loads as written; whatever loads can be
// shown in /status and /metrics and stepped by a probe without throwing. Then the bundle itself on
// a forbidden file and on a link to a secret: it sets either aside and probes on, leaking nothing.
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { parseConfig } from '../../monitor/src/config.js';
import { initialState } from '../../monitor/src/core/model.js';
import { makeStep } from '../../monitor/src/core/step.js';
import { metricsOf, statusOf } from '../../monitor/src/status.js';
import { createStateStore } from '../../monitor/src/store.js';
import { prng } from './core-helpers.js';
import { NOTHING_OBSERVED } from './daemon-fakes.js';
import { type StateFileCase, stateFileCase } from './hostile-state-files.js';
import { checkpoint, expectUnharmed, SECRET, secretTokenFile } from './unharmed.js';

const CASES = 400;
const NOW = 1_800_000_000;
const root = mkdtempSync(join(tmpdir(), 'state-fuzz-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = parseConfig({
  primary: { url: 'http://127.0.0.1:1' },
  gateway: { manager: 'systemd', unit: 'openclaw.service', readyUrl: 'http://127.0.0.1:2/readyz' },
  stateFile: join(root, 'unused'),
});
const step = makeStep(config);

/** Puts the case at `file`; returns the bytes a link points to, to check they are left alone. */
function plant(file: string, c: StateFileCase): Buffer | undefined {
  if ('directory' in c.file) {
    mkdirSync(file);
    return undefined;
  }
  if ('content' in c.file) {
    writeFileSync(file, c.file.content);
    return undefined;
  }
  const target = `${file}-target`;
  writeFileSync(target, c.file.link);
  symlinkSync(target, file);
  return readFileSync(target);
}

describe('the state store against 400 random state files', () => {
  it('never throws, sets aside what the format forbids, loads what it allows, and all it loads is usable', () => {
    const rnd = prng(20261214);
    const seen = { state: 0, aside: 0, either: 0, accepted: 0 };
    for (let i = 0; i < CASES; i++) {
      const c = stateFileCase(rnd);
      const dir = join(root, String(i));
      mkdirSync(dir);
      const file = join(dir, 'state.json');
      const linked = plant(file, c);
      const before = lstatSync(file);
      const loaded = createStateStore(file).load(NOW);
      const kind = Object.keys(c.expected)[0] as keyof typeof c.expected;
      seen[kind]++;
      if (loaded.problem === undefined) {
        seen.accepted++;
        expect(kind, c.label).not.toBe('aside');
        if ('state' in c.expected) expect(loaded.state, c.label).toEqual(c.expected.state);
        if ('written' in c.expected)
          expect(loaded.state, c.label).toMatchObject(c.expected.written as object);
        expect(readdirSync(dir), c.label).toEqual(['state.json']);
      } else {
        expect(kind, `${c.label}: ${loaded.problem}`).not.toBe('state');
        expect(loaded.state, c.label).toEqual(initialState(NOW));
        // Renamed, not deleted: the same inode under the new name, the old name free.
        const aside = join(dir, `state.json.corrupt-${NOW}`);
        expect(lstatSync(aside).ino, c.label).toBe(before.ino);
        expect(lstatSync(file, { throwIfNoEntry: false }), c.label).toBeUndefined();
        if ('content' in c.file) expect(readFileSync(aside), c.label).toEqual(Buffer.from(c.file.content));
        // The problem is logged: it never quotes the file, which a link may have made a secret.
        expect(loaded.problem.length, c.label).toBeLessThan(600);
        expect(loaded.problem, c.label).not.toContain('secret-token');
      }
      if (linked) expect(readFileSync(`${file}-target`), c.label).toEqual(linked);
      const observed = NOTHING_OBSERVED;
      expect(() => JSON.stringify(statusOf(loaded.state, config, observed, 'h')), c.label).not.toThrow();
      expect(() => metricsOf(loaded.state, observed), c.label).not.toThrow();
      const probed = step(loaded.state, { type: 'probe', health: 'up', failing: [] }, NOW + 1);
      expect(() => JSON.stringify(statusOf(probed.state, config, observed, 'h')), c.label).not.toThrow();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(seen.state).toBeGreaterThan(30);
    expect(seen.aside).toBeGreaterThan(150);
    expect(seen.either).toBeGreaterThan(50);
    expect(seen.accepted).toBeGreaterThan(40);
  });
});

const INTERVAL_SECONDS = 0.1;

/** What the bundle finds where its state file should be. */
const PLANTED: [string, (file: string) => void][] = [
  [
    'a state the format forbids (a time past any date, 50,000 transitions)',
    (file) => {
      const state = { ...initialState(1), since: 1e300, transitions: Array(50_000).fill(0) };
      writeFileSync(file, JSON.stringify({ version: 2, state }));
    },
  ],
  [
    'a link to a file holding the secret',
    (file) => {
      writeFileSync(`${file}-target`, `${SECRET}\n`);
      symlinkSync(`${file}-target`, file);
    },
  ],
];

describe('the bundle starting on a hostile state file', () => {
  it.each(PLANTED)('%s: set aside as an event, then probing on schedule as standby', async (_what, plant) => {
    const lab = await MonitorLab.create();
    try {
      lab.writeConfig({
        primary: { url: lab.primary.url, timeoutSeconds: 0.3, tokenFile: secretTokenFile(lab) },
      });
      const stateFile = join(lab.dir, 'state', 'state.json');
      mkdirSync(join(lab.dir, 'state'), { recursive: true });
      plant(stateFile);
      const m = lab.startMonitor();
      const reset = await m.waitFor((l) => l.event === 'state-reset', 5000);
      expect(reset.problem).toMatch(/moved to .*state\.json\.corrupt-/);
      await m.waitFor((l) => l.event === 'started', 5000);
      const from = await checkpoint(lab);
      await new Promise((r) => setTimeout(r, 1000));
      await expectUnharmed(lab, m, from, { role: 'standby', intervalSeconds: INTERVAL_SECONDS });
      expect(m.events('transition')).toEqual([]);
    } finally {
      await lab.cleanup();
    }
  });
});
