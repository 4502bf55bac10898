// A monitor under test on loopback: a primary stand-in, a config file for the built bundle with
// a process-managed fake gateway, and cleanup of everything it started (the gateway outlives the
// monitor by design, so it is killed through its recorded pids).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MonitorConfigInput, renderMonitorConfig } from '../cloud-init/index.js';
import { MonitorProcess } from './bundle.js';
import { FAKE_GATEWAY, SCALED_DEFAULTS } from './monitor-config.js';
import { freePort } from './ports.js';
import { PrimaryStandIn } from './primary-stand-in.js';

export class MonitorLab {
  readonly configFile: string;
  readonly startsFile: string;
  readonly monitors: MonitorProcess[] = [];

  private constructor(
    readonly dir: string,
    readonly primary: PrimaryStandIn,
    readonly listen: string,
    readonly gatewayPort: number,
  ) {
    this.configFile = join(dir, 'monitor.json');
    this.startsFile = join(dir, 'starts');
    writeFileSync(this.startsFile, '');
  }

  static async create(): Promise<MonitorLab> {
    const primary = new PrimaryStandIn();
    await primary.start();
    const dir = mkdtempSync(join(tmpdir(), 'failover-'));
    const lab = new MonitorLab(dir, primary, `127.0.0.1:${await freePort()}`, await freePort());
    lab.writeConfig();
    return lab;
  }

  /** Scaled-down timings (0.1 s probes); `gatewayEnv` goes to the fake gateway. */
  writeConfig(overrides: Partial<MonitorConfigInput> = {}, gatewayEnv: Record<string, string> = {}): void {
    const config = renderMonitorConfig({
      primary: { url: this.primary.url, timeoutSeconds: 0.3 },
      checkIntervalSeconds: 0.1,
      failThreshold: 3,
      recoverThreshold: 3,
      minActiveSeconds: 0.5,
      falsePromotionDays: SCALED_DEFAULTS.falsePromotionDays,
      confirmIntervalSeconds: SCALED_DEFAULTS.confirmIntervalSeconds,
      minOutageSeconds: SCALED_DEFAULTS.minOutageSeconds,
      gateway: {
        manager: 'process',
        command: [process.execPath, FAKE_GATEWAY],
        env: {
          PORT: String(this.gatewayPort),
          READY_DELAY_MS: '300',
          STARTS_FILE: this.startsFile,
          ...gatewayEnv,
        },
        readyUrl: `http://127.0.0.1:${this.gatewayPort}/readyz`,
        startTimeoutSeconds: 10,
        stopTimeoutSeconds: 2,
      },
      stateFile: join(this.dir, 'state', 'state.json'),
      status: { listen: this.listen },
      ...overrides,
    });
    writeFileSync(this.configFile, config);
  }

  startMonitor(): MonitorProcess {
    const m = new MonitorProcess(this.configFile);
    this.monitors.push(m);
    return m;
  }

  /** Pids of every fake gateway started so far. */
  gatewayStarts(): string[] {
    return readFileSync(this.startsFile, 'utf8').split('\n').filter(Boolean);
  }

  async cleanup(): Promise<void> {
    for (const m of this.monitors) await m.stop('SIGKILL');
    for (const pid of this.gatewayStarts()) {
      try {
        process.kill(-Number(pid), 'SIGKILL');
      } catch {}
    }
    await this.primary.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
