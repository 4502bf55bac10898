// Manager "systemd": the gateway is a system unit; systemctl does the work, this bounds and reports it.
import { execFile } from 'node:child_process';
import type { GatewayConfig } from '../config.js';
import { GATEWAY_CHECK_SECONDS, type GatewayManager } from './manager.js';

type SystemdGatewayConfig = Extract<GatewayConfig, { manager: 'systemd' }>;

/** Queries and the forced kill answer at once unless systemd itself is stuck. */
const QUICK_TIMEOUT_SECONDS = 10;
// systemd SIGKILLs the unit itself at its own TimeoutStopSec (rendered from stopTimeoutSeconds);
// give it up to that long again, at most this much, before stepping in.
const MAX_STOP_MARGIN_SECONDS = 10;

interface SystemctlResult {
  code: number;
  stderr: string;
}

class SystemctlTimeout extends Error {
  override readonly name = 'SystemctlTimeout';
}

/** Runs systemctl (from PATH); resolves with its exit code, rejects if it cannot run or overruns. */
function systemctl(args: string[], timeoutSeconds: number): Promise<SystemctlResult> {
  const command = `systemctl ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    execFile('systemctl', args, { timeout: timeoutSeconds * 1000 }, (err, _stdout, stderr) => {
      if (!err) resolve({ code: 0, stderr });
      else if (err.killed)
        reject(new SystemctlTimeout(`${command} did not finish within ${timeoutSeconds} s`));
      else if (typeof err.code === 'number') resolve({ code: err.code, stderr });
      else reject(new Error(`cannot run ${command}: ${err.message}`));
    });
  });
}

function failure(args: string[], result: SystemctlResult): Error {
  const detail = result.stderr.trim() || '(no error output)';
  return new Error(`systemctl ${args.join(' ')} failed with exit code ${result.code}: ${detail}`);
}

/** Runs systemctl and throws unless it exits 0. */
async function systemctlOk(args: string[], timeoutSeconds: number): Promise<void> {
  const result = await systemctl(args, timeoutSeconds);
  if (result.code !== 0) throw failure(args, result);
}

export class SystemdGatewayManager implements GatewayManager {
  readonly #cfg: SystemdGatewayConfig;

  constructor(cfg: SystemdGatewayConfig) {
    this.#cfg = cfg;
  }

  describe(): string {
    return `systemd unit ${this.#cfg.unit}`;
  }

  async start(): Promise<void> {
    await systemctlOk(['start', this.#cfg.unit], this.#cfg.startTimeoutSeconds);
  }

  async stop(): Promise<void> {
    const { unit, stopTimeoutSeconds } = this.#cfg;
    const margin = Math.min(stopTimeoutSeconds, MAX_STOP_MARGIN_SECONDS);
    try {
      await systemctlOk(['stop', unit], stopTimeoutSeconds + margin);
      return;
    } catch (err) {
      if (!(err instanceof SystemctlTimeout)) throw err;
    }
    await systemctlOk(['kill', '--signal=SIGKILL', unit], QUICK_TIMEOUT_SECONDS);
    // The stop job that timed out is still queued in systemd; a second stop waits for it to finish,
    // which it now does, so this resolves only once the unit's processes are gone.
    await systemctlOk(['stop', unit], QUICK_TIMEOUT_SECONDS);
  }

  async isRunning(): Promise<boolean> {
    const args = ['is-active', '--quiet', this.#cfg.unit];
    const result = await systemctl(args, GATEWAY_CHECK_SECONDS);
    if (result.code === 0) return true;
    // --quiet silences the state; anything on stderr (no bus, no permission) means "unknown", not "inactive".
    if (result.stderr.trim() !== '') throw failure(args, result);
    return false;
  }
}
