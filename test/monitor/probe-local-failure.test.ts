// A standby that runs out of its own resources (file descriptors, memory, ephemeral ports) knows
// nothing about the primary: it must not count that as the primary being down and promote beside
// a healthy one. Checked on the classification, on the daemon with a scripted probe, on a process
// that used up its descriptors before probing (prlimit, util-linux, bounds how many), and on the
// real bundle whose descriptor limit is lowered while it runs beside a healthy primary.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../lab/bundle.js';
import { MonitorLab } from '../../lab/monitor-lab.js';
import { PrimaryStandIn } from '../../lab/primary-stand-in.js';
import { shortageCode } from '../../monitor/src/local-failure.js';
import { classifyError } from '../../monitor/src/probe.js';
import { type Harness, harness } from './daemon-fakes.js';

const failure = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('which failed requests are this machine’s own', () => {
  it('names descriptor, memory, buffer and ephemeral-port shortages, nothing about a peer', () => {
    for (const code of ['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS', 'EADDRNOTAVAIL', 'EAI_MEMORY']) {
      expect(shortageCode(failure(code))).toBe(code);
    }
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', undefined]) {
      expect(shortageCode(code === undefined ? new Error('x') : failure(code))).toBeUndefined();
    }
    expect(shortageCode(undefined)).toBeUndefined();
  });

  it('makes a shortage unprobed and anything the primary did down', () => {
    expect(classifyError(failure('EMFILE', 'connect EMFILE 127.0.0.1:1'), 1000)).toEqual({
      health: 'unprobed',
      code: 'EMFILE',
      detail: 'could not probe from this machine (EMFILE): EMFILE connect EMFILE 127.0.0.1:1',
    });
    expect(classifyError(failure('ECONNREFUSED'), 1000)).toMatchObject({ health: 'down', failing: [] });
    const timeout = Object.assign(new Error('t'), { name: 'TimeoutError' });
    expect(classifyError(timeout, 1000)).toEqual({
      health: 'down',
      failing: [],
      detail: 'no answer within 1s',
    });
  });
});

describe('a probe from a process out of file descriptors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'starved-'));
  const script = join(dir, 'starved-probe.mjs');
  let primary: PrimaryStandIn;
  beforeAll(async () => {
    const entry = fileURLToPath(new URL('../../lab/starved-probe.ts', import.meta.url));
    await build({ entryPoints: [entry], outfile: script, bundle: true, platform: 'node', format: 'esm' });
    primary = new PrimaryStandIn();
    await primary.start();
  });
  afterAll(async () => {
    await primary.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['an address', (url: string) => url],
    ['a name looked up for the first time', (url: string) => url.replace('127.0.0.1', 'localhost')],
  ])('by %s is unprobed (EMFILE), not down', async (_by, url) => {
    const args = ['--nofile=256', process.execPath, script, url(primary.url)];
    // Node reads NODE_EXTRA_CA_CERTS on a thread of its own at start-up: a descriptor it closes
    // late would be one the probe could have.
    const { NODE_EXTRA_CA_CERTS: _, ...env } = process.env;
    const { stdout } = await promisify(execFile)('prlimit', args, { timeout: 30_000, env });
    const { held, result } = JSON.parse(stdout);
    expect(held).toBeGreaterThan(100);
    expect(result).toMatchObject({ health: 'unprobed', code: 'EMFILE' });
  });
});

describe('the daemon with probes it could not make', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.daemon.stop();
    h = undefined;
  });

  it('gives the core nothing, logs each cause once, counts them and logs the recovery', async () => {
    const d = harness();
    h = d;
    await d.daemon.start();
    await d.until(() => d.daemon.state.primary.health === 'up', 'a first up probe');
    d.primary.health = 'down';
    await d.until(() => d.daemon.state.failures > 0, 'a failure');
    d.primary.health = 'unprobed';
    let seen = d.probes();
    await d.until(() => d.probes() > seen + 1, 'a probe begun after the change');
    const { failures } = d.daemon.state;
    seen = d.probes();
    await d.until(() => d.probes() >= seen + 5, 'five unprobed');
    d.primary.code = 'ENOMEM';
    seen = d.probes();
    await d.until(() => d.probes() >= seen + 5, 'five more');
    expect(d.daemon.state).toMatchObject({ role: 'standby', failures, primary: { health: 'down' } });
    expect(d.events('probe-error')).toMatchObject([
      { level: 'error', code: 'EMFILE', role: 'standby' },
      { level: 'error', code: 'ENOMEM', role: 'standby' },
    ]);
    expect(d.daemon.observed.probeErrors).toMatchObject({ current: { code: 'ENOMEM' } });

    d.primary.health = 'up';
    await d.until(() => d.events('probe-recovered').length > 0, 'the recovery');
    const total = d.daemon.observed.probeErrors.total;
    expect(total).toBeGreaterThanOrEqual(9);
    expect(d.daemon.observed.probeErrors).toEqual({ total });
    expect(d.events('probe-recovered')).toMatchObject([{ level: 'info', code: 'ENOMEM', unprobed: total }]);
    await d.until(() => d.daemon.state.successes >= 2, 'two up probes');
    expect(d.events('probe-recovered')).toHaveLength(1);
    expect(d.daemon.state.counters.probes).toMatchObject({ down: failures });
  });
});

/** The soft and hard limits on open files of a running process. */
function openFilesLimits(pid: number): string {
  const args = ['--pid', String(pid), '--nofile', '--raw', '--noheadings', '-o', 'SOFT,HARD'];
  return execFileSync('prlimit', args).toString().trim().split(/\s+/).join(':');
}

/** Sets them (`soft:hard`). */
function setOpenFilesLimits(pid: number, limits: string): void {
  execFileSync('prlimit', ['--pid', String(pid), `--nofile=${limits}`]);
}

describe('a monitor out of file descriptors beside a healthy primary', () => {
  let lab: MonitorLab;
  beforeEach(async () => {
    lab = await MonitorLab.create();
  });
  afterEach(() => lab.cleanup());

  // By name as well: then the lookup is what fails, with the shortage named (EAI_SYSTEM, errno
  // EMFILE) once the resolver's modules are loaded, as they are after the first probe.
  it.each([
    ['an address', (url: string) => url],
    ['a name', (url: string) => url.replace('127.0.0.1', 'localhost')],
  ])(
    'probed by %s, does not promote: one probe-error, no failure counted, then a recovery',
    async (_by, url) => {
      lab.writeConfig({ primary: { url: url(lab.primary.url), timeoutSeconds: 0.3 } });
      const m = lab.startMonitor();
      await m.waitFor((l) => l.event === 'primary-health' && l.to === 'up', 5000);
      const pid = m.child.pid as number;
      const limits = openFilesLimits(pid);
      // 0-2 are taken (stdio), so no new descriptor can be had: every probe's socket() fails with
      // EMFILE while the sockets and files already open (log, status server) go on working.
      setOpenFilesLimits(pid, `3:${limits.split(':')[1]}`);
      await m.waitFor((l) => l.event === 'probe-error', 5000);
      // 0.1 s probes, failThreshold 3: a standby counting these as failures promotes well within this.
      await new Promise((r) => setTimeout(r, 1500));
      expect(m.events('transition')).toEqual([]);
      expect(m.events('probe-failed')).toEqual([]);
      expect(m.events('primary-health').map((l) => l.to)).toEqual(['up']);
      const errors = m.events('probe-error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ level: 'error', code: 'EMFILE', role: 'standby' });
      expect(errors[0]?.detail).toMatch(/^could not probe from this machine \(EMFILE\)/);

      setOpenFilesLimits(pid, limits);
      const recovered = await m.waitFor((l) => l.event === 'probe-recovered', 5000);
      expect(recovered.unprobed).toBeGreaterThanOrEqual(10);
      await new Promise((r) => setTimeout(r, 500));
      expect(m.events('transition')).toEqual([]);
      expect(lab.gatewayStarts()).toEqual([]);
      expect(m.running).toBe(true);
      const status = JSON.parse((await runCli(['status', '--json', '--listen', lab.listen])).stdout);
      expect(status.primary).toMatchObject({ health: 'up', consecutiveFailures: 0 });
      expect(status.primary.probeErrors).toBe(recovered.unprobed);
      expect(status.primary.probeError).toBeUndefined();
      const metrics = await (await fetch(`http://${lab.listen}/metrics`)).text();
      expect(metrics).toContain(`openclaw_failover_probe_errors_total ${recovered.unprobed}`);
    },
  );
});
