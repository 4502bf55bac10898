// The monitor's config file for a standby inside its namespace: the decision timings under test,
// a process-managed fake gateway, the workspace clone. Ports are fixed: every pair has its own
// namespaces, so nothing else can hold them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMonitorConfig } from '../cloud-init/index.js';
import { DEFAULT_STATUS_LISTEN, POLICY_DEFAULTS } from '../monitor/src/defaults.js';
import { PRIMARY_IP } from './netns.js';

export const FAKE_GATEWAY = fileURLToPath(new URL('./fake-gateway.mjs', import.meta.url));
export const PRIMARY_PORT = 18789;
export const PROXY_PORT = 18788;
export const GATEWAY_PORT = 18789;
/** The monitor's default: the config leaves status out, as the droplet's does. */
export const STATUS_LISTEN = DEFAULT_STATUS_LISTEN;
/** What the fake gateway writes into the workspace while active: the change that must never be lost. */
export const WRITTEN_FILE = 'written-while-active.md';

/** The decision timings, as in the config file (seconds). */
export interface Timings {
  checkIntervalSeconds: number;
  failThreshold: number;
  recoverThreshold: number;
  minActiveSeconds: number;
  /** primary.timeoutSeconds */
  timeoutSeconds: number;
  flapWindowSeconds?: number;
  falsePromotionDays: number;
  confirmIntervalSeconds: number;
  minOutageSeconds: number;
}

/** The decision policy's keys of a monitor config, as the lab's runs (chaos lab, drill) set them. */
export type PolicyTimings = Omit<Timings, 'timeoutSeconds' | 'flapWindowSeconds'>;

export function policyInput(t: PolicyTimings): PolicyTimings {
  return {
    checkIntervalSeconds: t.checkIntervalSeconds,
    failThreshold: t.failThreshold,
    recoverThreshold: t.recoverThreshold,
    minActiveSeconds: t.minActiveSeconds,
    falsePromotionDays: t.falsePromotionDays,
    confirmIntervalSeconds: t.confirmIntervalSeconds,
    minOutageSeconds: t.minOutageSeconds,
  };
}

/**
 * falsePromotionDays at a faster probe pace: the detector bounds false promotions per day, so a
 * lab probing `factor` times as often keeps the production run lengths with a bound `factor` times shorter.
 */
export const scaledFalsePromotionDays = (factor: number) => POLICY_DEFAULTS.falsePromotionDays / factor;

const SCALED_INTERVAL_SECONDS = 0.1;
const SCALE = POLICY_DEFAULTS.checkIntervalSeconds / SCALED_INTERVAL_SECONDS;

/** Our defaults' thresholds at a tenth-of-a-second pace: what most chaos scenarios run. */
export const SCALED_DEFAULTS: Timings = {
  checkIntervalSeconds: SCALED_INTERVAL_SECONDS,
  failThreshold: POLICY_DEFAULTS.failThreshold,
  recoverThreshold: POLICY_DEFAULTS.recoverThreshold,
  minActiveSeconds: 0.5,
  timeoutSeconds: 0.5,
  falsePromotionDays: scaledFalsePromotionDays(SCALE),
  confirmIntervalSeconds: POLICY_DEFAULTS.confirmIntervalSeconds / SCALE,
  minOutageSeconds: POLICY_DEFAULTS.minOutageSeconds / SCALE,
};

export interface GatewayOptions {
  /** How long the fake gateway answers 503 before 200 on /readyz. */
  readyDelayMs?: number;
  ignoreSigterm?: boolean;
  stopTimeoutSeconds?: number;
}

export interface ConfigFiles {
  configFile: string;
  stateFile: string;
  startsFile: string;
  workspace: string | undefined;
}

export function writeMonitorConfig(
  dir: string,
  timings: Timings,
  opts: { gateway?: GatewayOptions; workspace?: string; viaProxy?: boolean; witnesses?: string[] },
): ConfigFiles {
  const files: ConfigFiles = {
    configFile: join(dir, 'monitor.json'),
    stateFile: join(dir, 'state', 'state.json'),
    startsFile: join(dir, 'gateway-starts'),
    workspace: opts.workspace,
  };
  const { readyDelayMs = 300, ignoreSigterm = false, stopTimeoutSeconds = 2 } = opts.gateway ?? {};
  const env: Record<string, string> = {
    PORT: String(GATEWAY_PORT),
    READY_DELAY_MS: String(readyDelayMs),
    STARTS_FILE: files.startsFile,
  };
  if (opts.workspace) env.WRITE_FILE = join(opts.workspace, WRITTEN_FILE);
  if (ignoreSigterm) env.IGNORE_SIGTERM = '1';
  const config = renderMonitorConfig({
    primary: {
      url: `http://${PRIMARY_IP}:${opts.viaProxy ? PROXY_PORT : PRIMARY_PORT}`,
      timeoutSeconds: timings.timeoutSeconds,
    },
    ...policyInput(timings),
    ...(timings.flapWindowSeconds === undefined ? {} : { flapWindowSeconds: timings.flapWindowSeconds }),
    gateway: {
      manager: 'process',
      command: [process.execPath, FAKE_GATEWAY],
      env,
      readyUrl: `http://127.0.0.1:${GATEWAY_PORT}/readyz`,
      startTimeoutSeconds: 30,
      stopTimeoutSeconds,
    },
    ...(opts.workspace ? { workspace: { path: opts.workspace, timeoutSeconds: 1 } } : {}),
    ...(opts.witnesses ? { witnesses: opts.witnesses } : {}),
    stateFile: files.stateFile,
  });
  writeFileSync(files.configFile, config);
  writeFileSync(files.startsFile, '');
  return files;
}
