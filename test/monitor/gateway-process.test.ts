// The "process" gateway manager against real child processes: small Node scripts stand in for the
// gateway, serving /readyz on a loopback port the OS picked.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lab/ports.js';
import type { GatewayConfig } from '../../monitor/src/config.js';
import { createGatewayManager, type GatewayManager, waitReady } from '../../monitor/src/gateway/manager.js';

type ProcessGatewayConfig = Extract<GatewayConfig, { manager: 'process' }>;

// Env switches: READY_AFTER_MS, IGNORE_SIGTERM, CHILD_PID_FILE (spawn a child, write its pid there).
const FAKE_GATEWAY = `
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
const started = Date.now();
const readyAfterMs = Number(process.env.READY_AFTER_MS ?? 0);
if (process.env.IGNORE_SIGTERM) process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
if (process.env.CHILD_PID_FILE) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(process.env.CHILD_PID_FILE, String(child.pid));
}
createServer((req, res) => {
  // Logging each request proves the gateway's stdout still works after its starter is gone.
  console.log(req.method, req.url);
  const ready = req.url === '/readyz' && Date.now() - started >= readyAfterMs;
  res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ready }));
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// Runs the manager in a separate process that the test then kills, as systemd or a crash would.
const STARTER = `
import { createGatewayManager } from ${JSON.stringify(resolve('monitor/src/gateway/manager.ts'))};
const [config, runDir] = process.argv.slice(2);
const manager = createGatewayManager(JSON.parse(config), runDir);
await manager.start();
console.log('started', manager.describe());
setInterval(() => {}, 60_000);
`;

let fixtures: string;
let fakeGateway: string;
let starterBundle: string;
const managers: GatewayManager[] = [];
const strays: ChildProcess[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'gateway-process-fixtures-'));
  fakeGateway = join(fixtures, 'fake-gateway.mjs');
  starterBundle = join(fixtures, 'starter.mjs');
  await writeFile(fakeGateway, FAKE_GATEWAY);
  await build({
    stdin: { contents: STARTER, loader: 'ts', resolveDir: fixtures },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: starterBundle,
    logLevel: 'silent',
  });
});

afterEach(async () => {
  await Promise.allSettled(managers.splice(0).map((manager) => manager.stop()));
  for (const child of strays.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

afterAll(async () => {
  await rm(fixtures, { recursive: true, force: true });
});

/** Fields 3 (state) onwards of /proc/<pid>/stat; undefined once the process is gone. */
async function procFields(pid: number): Promise<string[] | undefined> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return text?.slice(text.lastIndexOf(')') + 2).split(' ');
}
// An exited process that nobody reaped yet (state Z) is not alive.
const isAlive = async (pid: number) => !['Z', 'X', undefined].includes((await procFields(pid))?.[0]);
const startTimeOf = async (pid: number) => Number((await procFields(pid))?.[19]);

async function setup(env: Record<string, string> = {}, overrides: Partial<ProcessGatewayConfig> = {}) {
  const runDir = await mkdtemp(join(tmpdir(), 'gateway-process-'));
  dirs.push(runDir);
  const port = await freePort();
  const cfg: ProcessGatewayConfig = {
    standbyMode: 'cold',
    manager: 'process',
    command: [process.execPath, fakeGateway],
    cwd: runDir,
    env: { PORT: String(port), ...env },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    startTimeoutSeconds: 5,
    stopTimeoutSeconds: 2,
    ...overrides,
  };
  const manager = createGatewayManager(cfg, runDir);
  managers.push(manager);
  const running = () => manager.isRunning();
  const pidFile = join(runDir, 'gateway.pid');
  const recordedPid = async () => (JSON.parse(await readFile(pidFile, 'utf8')) as { pid: number }).pid;
  return { cfg, runDir, manager, running, pidFile, recordedPid, logFile: join(runDir, 'gateway.log') };
}

const secondsSince = (start: number) => (performance.now() - start) / 1000;

describe('process gateway manager', () => {
  it('starts a detached gateway, waits until it is ready, stops it and forgets it', async () => {
    const { cfg, manager, running, pidFile, recordedPid, logFile } = await setup({ READY_AFTER_MS: '800' });
    expect(await manager.isRunning()).toBe(false);

    await manager.start();
    const pid = await recordedPid();
    expect(manager.describe()).toBe(`process node pid ${pid}`);
    expect((await stat(pidFile)).mode & 0o777).toBe(0o600);
    const { seconds } = await waitReady(cfg.readyUrl, 5, running);
    expect(seconds).toBeGreaterThan(0.2);
    expect(await manager.isRunning()).toBe(true);

    await manager.start();
    expect(await recordedPid()).toBe(pid);
    expect((await stat(logFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(logFile, 'utf8')).toContain('GET /readyz');

    await manager.stop();
    expect(await manager.isRunning()).toBe(false);
    expect(await isAlive(pid)).toBe(false);
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
    await manager.stop();
  });

  it('stops the whole process group, including what the gateway spawned', async () => {
    // The gateway runs in its runDir (cfg.cwd), so the relative pid file lands there.
    const { cfg, runDir, manager, running } = await setup({ CHILD_PID_FILE: 'child.pid' });
    await manager.start();
    await waitReady(cfg.readyUrl, 5, running);
    const childPid = Number(await readFile(join(runDir, 'child.pid'), 'utf8'));
    expect(await isAlive(childPid)).toBe(true);

    await manager.stop();
    expect(await running()).toBe(false);
    expect(await isAlive(childPid)).toBe(false);
  });

  it('kills a gateway that ignores SIGTERM once stopTimeoutSeconds has passed', async () => {
    const { cfg, manager, running, recordedPid, logFile } = await setup(
      { IGNORE_SIGTERM: '1' },
      { stopTimeoutSeconds: 0.5 },
    );
    await manager.start();
    await waitReady(cfg.readyUrl, 5, running);
    const pid = await recordedPid();

    const stopping = performance.now();
    await manager.stop();
    const took = secondsSince(stopping);
    expect(took).toBeGreaterThanOrEqual(0.45);
    expect(took).toBeLessThan(3);
    expect(await isAlive(pid)).toBe(false);
    expect(await readFile(logFile, 'utf8')).toContain('ignoring SIGTERM');
  });

  it('lets a new manager with the same runDir adopt the running gateway', async () => {
    const { cfg, runDir, manager, running, recordedPid } = await setup();
    await manager.start();
    await waitReady(cfg.readyUrl, 5, running);
    const pid = await recordedPid();

    const adopter = createGatewayManager(cfg, runDir);
    expect(await adopter.isRunning()).toBe(true);
    expect(adopter.describe()).toContain(`pid ${pid}`);
    await adopter.start();
    expect(await recordedPid()).toBe(pid);

    await adopter.stop();
    expect(await manager.isRunning()).toBe(false);
    expect(await isAlive(pid)).toBe(false);
  });

  it('keeps the gateway running when the process that started it is SIGKILLed with its group', async () => {
    const { cfg, runDir } = await setup();
    const starter = spawn(process.execPath, [starterBundle, JSON.stringify(cfg), runDir], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    strays.push(starter);
    const [line] = (await once(starter.stdout, 'data')) as [Buffer];
    expect(line.toString()).toMatch(/^started process node pid \d+/);

    process.kill(-(starter.pid as number), 'SIGKILL');
    await once(starter, 'exit');

    const survivor = createGatewayManager(cfg, runDir);
    managers.push(survivor);
    expect(await survivor.isRunning()).toBe(true);
    await waitReady(cfg.readyUrl, 5, () => survivor.isRunning());
    await survivor.stop();
    expect(await survivor.isRunning()).toBe(false);
  });

  it('does not take an unrelated process with a reused pid for the gateway, nor stop it', async () => {
    const { manager, pidFile } = await setup();
    const unrelated = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    strays.push(unrelated);
    await once(unrelated, 'spawn');
    const pid = unrelated.pid as number;
    const startTime = await startTimeOf(pid);
    await writeFile(pidFile, JSON.stringify({ pid, startTime: startTime - 1 }), { mode: 0o600 });

    expect(await manager.isRunning()).toBe(false);
    await manager.stop();
    expect(await isAlive(pid)).toBe(true);
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
  });

  it('does not take a zombie (exited, never reaped) for a running gateway', async () => {
    const { manager, pidFile } = await setup();
    // The forked child exits at once, and its parent never reaps it (perl leaves SIGCHLD alone;
    // a shell's `sleep 0 &` could be reaped by the shell itself before its `exec sleep`).
    const parent = spawn('perl', ['-e', '$| = 1; my $p = fork(); exit 0 unless $p; print "$p\n"; sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    strays.push(parent);
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const zombie = Number(line.toString().trim());
    await expect.poll(() => isAlive(zombie), { timeout: 10_000 }).toBe(false);
    await writeFile(pidFile, JSON.stringify({ pid: zombie, startTime: await startTimeOf(zombie) }));

    expect(await manager.isRunning()).toBe(false);
  });

  it('refuses a pid file that is not a pid record, naming the file', async () => {
    const { manager, pidFile } = await setup();
    await writeFile(pidFile, 'garbage');
    await expect(manager.isRunning()).rejects.toThrow(pidFile);
  });

  it('waitReady gives up at the deadline with the last answer', async () => {
    const { cfg, manager, running } = await setup({ READY_AFTER_MS: '60000' });
    await manager.start();

    const waiting = performance.now();
    await expect(waitReady(cfg.readyUrl, 0.5, running)).rejects.toThrow(
      /not ready after 0\.5 s \(last answer: HTTP 503 \{"ready":false\}\)/,
    );
    const took = secondsSince(waiting);
    expect(took).toBeGreaterThanOrEqual(0.45);
    expect(took).toBeLessThan(3);

    const closed = `http://127.0.0.1:${await freePort()}/readyz`;
    await expect(waitReady(closed, 0.3, async () => true)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('waitReady fails early when the gateway dies while starting', async () => {
    const { cfg, manager, running, recordedPid } = await setup({ READY_AFTER_MS: '60000' });
    await manager.start();
    const pid = await recordedPid();
    setTimeout(() => process.kill(-pid, 'SIGKILL'), 300);

    const waiting = performance.now();
    await expect(waitReady(cfg.readyUrl, 30, running)).rejects.toThrow(
      /stopped running .* \(last answer: HTTP 503/,
    );
    expect(secondsSince(waiting)).toBeLessThan(3);
  });

  it('waitReady stops when its signal is aborted', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/readyz`;
    const waiting = performance.now();
    await expect(waitReady(closed, 30, async () => true, AbortSignal.timeout(300))).rejects.toThrow(
      /aborted|timeout/i,
    );
    expect(secondsSince(waiting)).toBeLessThan(3);
  });

  it('rejects a command that does not exist, naming it', async () => {
    const { manager, pidFile } = await setup({}, { command: ['/nonexistent/openclaw', 'gateway'] });
    await expect(manager.start()).rejects.toThrow(
      /cannot launch gateway command "\/nonexistent\/openclaw".*ENOENT/,
    );
    expect(await manager.isRunning()).toBe(false);
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
  });

  it('rejects a command that exits at once, with its exit code and output', async () => {
    const exitAtOnce = "console.error('invalid config: gateway.bind'); process.exit(78)";
    const { manager, pidFile } = await setup({}, { command: [process.execPath, '-e', exitAtOnce] });
    await expect(manager.start()).rejects.toThrow(
      /gateway command ".*node" exited with code 78 right after launch; output: invalid config: gateway\.bind/,
    );
    expect(await manager.isRunning()).toBe(false);
    await expect(stat(pidFile)).rejects.toThrow(/ENOENT/);
  });
});
