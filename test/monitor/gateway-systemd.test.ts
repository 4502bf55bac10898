// The "systemd" gateway manager. systemd is not PID 1 here, so the boundary is faked: a systemctl
// shell script first on PATH records its arguments and keeps one unit's state in files.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../monitor/src/config.js';
import { createGatewayManager } from '../../monitor/src/gateway/manager.js';

const UNIT = 'openclaw.service';

// Flag files switch on failures: bus-down, fail-start, hang-stop (until a kill, as a stuck unit would).
const fakeSystemctl = (dir: string) => `#!/bin/sh
dir='${dir}'
echo "$*" >> "$dir/calls"
if [ -e "$dir/bus-down" ]; then echo 'Failed to connect to bus: No such file or directory' >&2; exit 1; fi
case "$1" in
  start)
    if [ -e "$dir/fail-start" ]; then
      echo "Job for $2 failed because the control process exited with error code." >&2
      exit 1
    fi
    echo active > "$dir/state" ;;
  stop)
    if [ -e "$dir/hang-stop" ]; then exec sleep 30; fi
    echo inactive > "$dir/state" ;;
  kill)
    rm -f "$dir/hang-stop"
    echo inactive > "$dir/state" ;;
  is-active)
    [ "$(cat "$dir/state" 2>/dev/null)" = active ] || exit 3 ;;
  *)
    echo "Unknown command verb $1." >&2
    exit 1 ;;
esac
`;

let root: string;
let stateDir: string;
const originalPath = process.env.PATH;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gateway-systemd-'));
  const bin = join(root, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'systemctl'), fakeSystemctl(join(root, 'unit')));
  await chmod(join(bin, 'systemctl'), 0o755);
  process.env.PATH = `${bin}:${originalPath}`;
});

afterAll(async () => {
  process.env.PATH = originalPath;
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  stateDir = join(root, 'unit');
  await rm(stateDir, { recursive: true, force: true });
  await mkdir(stateDir);
});

function manager(overrides: Partial<Extract<GatewayConfig, { manager: 'systemd' }>> = {}) {
  return createGatewayManager(
    {
      standbyMode: 'cold',
      manager: 'systemd',
      unit: UNIT,
      readyUrl: 'http://127.0.0.1:18789/readyz',
      startTimeoutSeconds: 5,
      stopTimeoutSeconds: 5,
      ...overrides,
    },
    join(root, 'run'),
  );
}

const flag = (name: string) => writeFile(join(stateDir, name), '');
const calls = async () => (await readFile(join(stateDir, 'calls'), 'utf8')).trim().split('\n');

describe('systemd gateway manager', () => {
  it('maps start, stop and isRunning onto systemctl start, stop and is-active for the unit', async () => {
    const gateway = manager();
    expect(gateway.describe()).toBe(`systemd unit ${UNIT}`);
    expect(await gateway.isRunning()).toBe(false);
    await gateway.start();
    expect(await gateway.isRunning()).toBe(true);
    await gateway.stop();
    expect(await gateway.isRunning()).toBe(false);
    expect(await calls()).toEqual([
      `is-active --quiet ${UNIT}`,
      `start ${UNIT}`,
      `is-active --quiet ${UNIT}`,
      `stop ${UNIT}`,
      `is-active --quiet ${UNIT}`,
    ]);
  });

  it("rejects a failing start with systemctl's error output", async () => {
    await flag('fail-start');
    await expect(manager().start()).rejects.toThrow(
      `systemctl start ${UNIT} failed with exit code 1: Job for ${UNIT} failed because the control process exited with error code.`,
    );
  });

  it('kills the unit with SIGKILL when a stop hangs past the deadline, then waits for the stop', async () => {
    const gateway = manager({ stopTimeoutSeconds: 0.3 });
    await gateway.start();
    await flag('hang-stop');

    const stopping = performance.now();
    await gateway.stop();
    const took = (performance.now() - stopping) / 1000;
    // stopTimeoutSeconds plus a margin as long again, for systemd's own kill.
    expect(took).toBeGreaterThanOrEqual(0.55);
    expect(took).toBeLessThan(5);
    expect(await gateway.isRunning()).toBe(false);
    expect((await calls()).slice(1)).toEqual([
      `stop ${UNIT}`,
      `kill --signal=SIGKILL ${UNIT}`,
      `stop ${UNIT}`,
      `is-active --quiet ${UNIT}`,
    ]);
  });

  it('reports a systemctl that cannot reach systemd as an error, not as "inactive"', async () => {
    await flag('bus-down');
    await expect(manager().isRunning()).rejects.toThrow(
      /is-active --quiet .* exit code 1: Failed to connect to bus/,
    );
  });

  it('rejects with a clear message when there is no systemctl on PATH', async () => {
    process.env.PATH = join(root, 'run');
    try {
      await expect(manager().start()).rejects.toThrow(
        /cannot run systemctl start openclaw\.service: .*ENOENT/,
      );
    } finally {
      process.env.PATH = `${join(root, 'bin')}:${originalPath}`;
    }
  });
});
