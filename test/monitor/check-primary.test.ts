// `openclaw-failover check-primary` against the primary stand-in and a real git remote: each
// finding says what is missing and what to do; the verb exits 1 when something is. Against a real
// OpenClaw primary: test/e2e/duplicate-bot.test.ts.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { PrimaryStandIn } from '../../lab/primary-stand-in.js';
import { checkPrimary } from '../../monitor/src/check-primary.js';
import { type MonitorConfigInput, parseConfig } from '../../monitor/src/config.js';
import { createWorkspaceSync } from '../../monitor/src/workspace.js';
import { remoteWithClones } from '../git-repos.js';

const dir = mkdtempSync(join(tmpdir(), 'check-primary-'));
const primary = new PrimaryStandIn();
const tokenFile = join(dir, 'primary-token');
let repos: { remote: string; standby: string };

const input = (over: Partial<MonitorConfigInput> = {}): MonitorConfigInput => ({
  primary: { url: primary.url, timeoutSeconds: 1 },
  gateway: { manager: 'process', command: ['true'], readyUrl: 'http://127.0.0.1:9/readyz' },
  workspace: { path: repos.standby },
  stateFile: join(dir, 'state.json'),
  ...over,
});
const findings = (over?: Partial<MonitorConfigInput>) => {
  const config = parseConfig(input(over));
  const workspace = config.workspace && createWorkspaceSync(config.workspace, { host: 'standby' });
  return checkPrimary(config, workspace);
};

beforeAll(async () => {
  await primary.start();
  writeFileSync(tokenFile, 'primary-gateway-token\n', { mode: 0o600 });
  repos = remoteWithClones(dir, 'standby');
});
afterAll(async () => {
  await primary.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('check-primary', () => {
  it('a ready primary and a reachable remote pass; the guard is skipped, saying what it needs', async () => {
    primary.mode = 'up';
    const [ready, guard, workspace] = await findings();
    expect(ready).toMatchObject({ result: 'ok', check: 'readiness' });
    expect(guard).toMatchObject({ result: 'skip', check: 'duplicate bot' });
    expect(guard?.detail).toContain('primary.tokenFile');
    expect(guard?.detail).toContain('standbyBot');
    expect(workspace).toMatchObject({ result: 'ok', check: 'workspace' });
    expect(workspace?.detail).toMatch(/newest commit is \d+ s old/);
  });

  it('names what fails: a degraded primary, an admin RPC that is not there, a remote that is gone', async () => {
    primary.mode = 'degraded';
    const moved = `${repos.remote}.gone`;
    renameSync(repos.remote, moved);
    try {
      const [ready, guard, workspace] = await findings({
        primary: { url: primary.url, timeoutSeconds: 1, tokenFile },
        standbyBot: { channel: 'telegram', id: '100007' },
      });
      expect(ready).toMatchObject({ result: 'FAIL', check: 'readiness' });
      expect(ready?.detail).toMatch(/^degraded: .*its users cannot reach it/);
      // The stand-in answers every other path with an HTML page, as a primary without the plugin.
      expect(guard).toMatchObject({ result: 'FAIL', check: 'duplicate bot' });
      expect(guard?.detail).toContain('enable the primary');
      expect(workspace).toMatchObject({ result: 'FAIL', check: 'workspace' });
      expect(workspace?.detail).toContain('fetching the remote failed');
    } finally {
      renameSync(moved, repos.remote);
    }
  });

  it('the verb prints one line per check and exits 1 when one fails, 0 when none does', async () => {
    const file = join(dir, 'monitor.json');
    primary.mode = 'up';
    writeFileSync(file, JSON.stringify(input()));
    const good = await runCli(['check-primary', '--config', file]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^primary http:\/\/127\.0\.0\.1:\d+\n {2}ok {4}readiness/);
    expect(good.stdout).toContain('  skip  duplicate bot');
    primary.mode = 'hang';
    const bad = await runCli(['check-primary', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL {2}readiness {6}down: no answer within 1s/);
  });
});
