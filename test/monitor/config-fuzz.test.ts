// Property-style: 1000 random mutations (fixed seed, hostile-configs.ts) of a valid config through
// parseConfig, and 40 of them, with files that are no config at all, through the bundle's
// `check-config`. The parser accepts or throws a ConfigError naming the key, never quoting the
// value; `check-config` exits 0 or 78, never with a stack trace. Then 30 mutations the parser
// refuses, reloaded one by one into the running bundle: it refuses each and probes on.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { ConfigError, parseConfig } from '../../monitor/src/config.js';
import { prng } from './core-helpers.js';
import { configCase, MARKER, VALID } from './hostile-configs.js';
import { checkpoint, expectUnharmed, secretTokenFile } from './unharmed.js';

const dir = mkdtempSync(join(tmpdir(), 'config-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseConfig against 1000 random mutations of a valid config', () => {
  it('accepts, or refuses with a ConfigError naming the key and not the value', () => {
    expect(() => parseConfig(VALID)).not.toThrow();
    const rnd = prng(20261215);
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const c = configCase(rnd);
      let error: unknown;
      try {
        parseConfig(c.config);
      } catch (err) {
        error = err;
      }
      if (error === undefined) continue;
      refused++;
      expect(error, c.label).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      // The key itself, or a key inside it (a junk object lacks the keys a section requires).
      const named = message.includes(`${c.path}:`) || message.includes(`${c.path}.`);
      expect(named, `${c.label}: ${message}`).toBe(true);
      expect(message, c.label).not.toContain(MARKER);
    }
    expect(refused).toBeGreaterThan(500);
  });
});

describe('check-config of the bundle against 40 random files', () => {
  it('exits 0 or 78, never another code, never a stack trace, never quoting a value', async () => {
    const rnd = prng(20261216);
    const files: string[] = [];
    for (let i = 0; i < 32; i++) {
      const file = join(dir, `mutated-${i}.json`);
      writeFileSync(file, JSON.stringify(configCase(rnd).config));
      files.push(file);
    }
    const junk: [string, string | Buffer][] = [
      ['empty', ''],
      ['truncated', JSON.stringify(VALID).slice(0, 57)],
      ['binary', Buffer.from(Array.from({ length: 512 }, () => Math.floor(rnd() * 256)))],
      ['deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`],
      ['secret in a syntax error', `{"primary": {"url": "${MARKER}" oops}}`],
      ['a bare string', JSON.stringify(MARKER)],
    ];
    for (const [name, content] of junk) {
      files.push(join(dir, name));
      writeFileSync(join(dir, name), content);
    }
    mkdirSync(join(dir, 'a-directory'));
    files.push(join(dir, 'a-directory'), join(dir, 'missing'));
    const codes: number[] = [];
    for (let from = 0; from < files.length; from += 8) {
      const batch = files.slice(from, from + 8);
      const runs = await Promise.all(batch.map((f) => runCli(['check-config', f])));
      runs.forEach((run, i) => {
        const label = `${batch[i]}: ${run.stderr}`;
        expect([0, 78], label).toContain(run.code);
        expect(run.stderr, label).not.toMatch(/\n\s+at /);
        expect(run.stderr, label).not.toContain(MARKER);
        expect(run.stdout, label).not.toContain(MARKER);
        if (run.code === 78) expect(run.stderr, label).toMatch(/^openclaw-failover: /);
        codes.push(run.code ?? -1);
      });
    }
    expect(codes.filter((c) => c === 78).length).toBeGreaterThan(20);
  });
});

describe('the running bundle reloading 30 random mutations of its config that the parser refuses', () => {
  const RELOADS = 30;
  const INTERVAL_SECONDS = 0.1;
  let lab: MonitorLab;
  beforeAll(async () => {
    lab = await MonitorLab.create();
  });
  afterAll(() => lab.cleanup());

  it('refuses each, naming no value, and keeps probing on schedule as standby', async () => {
    lab.writeConfig({
      primary: { url: lab.primary.url, timeoutSeconds: 0.3, tokenFile: secretTokenFile(lab) },
    });
    const running = JSON.parse(readFileSync(lab.configFile, 'utf8'));
    const m = lab.startMonitor();
    await m.waitFor((l) => l.event === 'started', 5000);
    const from = await checkpoint(lab);
    const rnd = prng(20261218);
    let seeded = 0;
    for (let reloaded = 0; reloaded < RELOADS; ) {
      const c = configCase(rnd, running);
      if (!refused(c.config)) continue;
      if (JSON.stringify(c.config).includes(MARKER)) seeded++;
      writeFileSync(lab.configFile, JSON.stringify(c.config));
      m.child.kill('SIGHUP');
      reloaded++;
      await m.waitFor(() => m.events('config-reload-refused').length >= reloaded, 5000);
      await sleep(50); // a few probes between reloads: the schedule is under test as well
    }
    await expectUnharmed(lab, m, from, { role: 'standby', intervalSeconds: INTERVAL_SECONDS });
    expect(m.events('config-reloaded')).toEqual([]);
    expect(m.events('transition')).toEqual([]);
    // Values with the secret marker were among them, and no refusal quoted one.
    expect(seeded).toBeGreaterThan(3);
    expect(JSON.stringify(m.lines)).not.toContain(MARKER);
  });
});

function refused(config: unknown): boolean {
  try {
    parseConfig(config);
    return false;
  } catch {
    return true;
  }
}
