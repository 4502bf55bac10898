// A real OpenClaw gateway on loopback, in a private state folder (docs/platform-facts.md: minimal start needs
// no channel and no model key). The binary comes from scripts/toolchain.sh (OPENCLAW_BIN).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function openclawBin(): string {
  const bin = process.env.OPENCLAW_BIN;
  if (!bin) throw new Error('OPENCLAW_BIN is not set: run `eval "$(scripts/toolchain.sh)"` (CI does)');
  return bin;
}

/**
 * This process's environment without what vitest sets (VITEST*, NODE_ENV=test, TEST): OpenClaw
 * reads them and switches to test behaviour (silent logs, no process hooks, a polling config
 * watcher that changes hot-reload timing), so a gateway started from a test would not be the real one.
 */
export function productionEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !isTestRunnerVariable(name)));
}

const isTestRunnerVariable = (name: string) => /^VITEST/.test(name) || name === 'NODE_ENV' || name === 'TEST';

/**
 * The same guard for a command that something else spawns with this process's environment (the
 * monitor's process manager passes its own on, and in a test that is vitest's): `env -u` drops the
 * test runner's variables, then execs the command (same pid, which the process manager tracks).
 */
export function productionCommand(command: readonly string[]): string[] {
  const unset = Object.keys(process.env)
    .filter(isTestRunnerVariable)
    .flatMap((name) => ['-u', name]);
  return ['/usr/bin/env', ...unset, ...command];
}

/** Writes the config and returns the command and environment that start the gateway. */
export function openclawGateway(dir: string, port: number) {
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const configPath = join(dir, 'openclaw.json');
  writeFileSync(configPath, JSON.stringify({ gateway: { mode: 'local', bind: 'loopback' } }), {
    mode: 0o600,
  });
  return {
    command: [openclawBin(), 'gateway', 'run', '--port', String(port)],
    env: {
      OPENCLAW_STATE_DIR: stateDir,
      OPENCLAW_CONFIG_PATH: configPath,
      OPENCLAW_SERVICE_REPAIR_POLICY: 'external',
    },
  };
}

/** Starts a gateway in its own process group, so a test can kill it and its children at once. */
export function startOpenclaw(dir: string, port: number): ChildProcess {
  const { command, env } = openclawGateway(dir, port);
  const [bin, ...args] = command as [string, ...string[]];
  return spawn(bin, args, { env: { ...productionEnv(), ...env }, stdio: 'ignore', detached: true });
}

/** Polls /readyz until 200 or the deadline. */
export async function waitForReady(port: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return Date.now() - started;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`OpenClaw on port ${port} not ready within ${timeoutMs}ms`);
}
