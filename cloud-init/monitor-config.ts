// The failover monitor's JSON config. Key names are the contract in monitor/src/config.ts (tests
// parse the output with its parseConfig); this module does not import the monitor package so the
// renderers stay free of its runtime dependencies.
import { GATEWAY_UNIT_NAME } from './paths.js';

/** How the monitor runs the standby gateway: systemd on the droplet, a process in the local lab. */
export type MonitorGatewayInput =
  | {
      manager: 'systemd';
      unit: string;
      readyUrl: string;
      startTimeoutSeconds: number;
      stopTimeoutSeconds: number;
    }
  | {
      manager: 'process';
      command: readonly string[];
      cwd?: string;
      env?: Readonly<Record<string, string>>;
      logFile?: string;
      readyUrl: string;
      startTimeoutSeconds: number;
      stopTimeoutSeconds: number;
    };

export interface MonitorConfigInput {
  primary: {
    /** The primary gateway's base URL over the tailnet, e.g. `http://100.101.102.103:18789`. */
    url: string;
    /** File holding the primary's gateway token, sent as bearer to /readyz; omit when none. */
    tokenFile?: string;
    timeoutSeconds: number;
  };
  checkIntervalSeconds: number;
  failThreshold: number;
  recoverThreshold: number;
  minActiveSeconds: number;
  /** Omit to keep the monitor's default. */
  flapWindowSeconds?: number;
  promoteOn: 'down' | 'unready';
  gateway: MonitorGatewayInput;
  /** The workspace checkout to pull on promotion and push back on demotion; omit for none. */
  workspace?: { path: string; timeoutSeconds: number; pushBack: boolean };
  stateFile: string;
  /** Loopback host:port of the status endpoint. */
  statusListen: string;
  notifyWebhooks: readonly string[];
}

/** The droplet's gateway block: openclaw.service, probed on its loopback listener. */
export function standbyGateway(opts: {
  gatewayPort: number;
  startTimeoutSeconds: number;
  stopTimeoutSeconds: number;
}): MonitorGatewayInput {
  return {
    manager: 'systemd',
    unit: GATEWAY_UNIT_NAME,
    readyUrl: `http://127.0.0.1:${opts.gatewayPort}/readyz`,
    startTimeoutSeconds: opts.startTimeoutSeconds,
    stopTimeoutSeconds: opts.stopTimeoutSeconds,
  };
}

function gatewayBlock(gateway: MonitorGatewayInput): Record<string, unknown> {
  const timing = {
    readyUrl: gateway.readyUrl,
    startTimeoutSeconds: gateway.startTimeoutSeconds,
    stopTimeoutSeconds: gateway.stopTimeoutSeconds,
  };
  if (gateway.manager === 'systemd') return { manager: 'systemd', unit: gateway.unit, ...timing };
  return {
    manager: 'process',
    command: [...gateway.command],
    ...(gateway.cwd === undefined ? {} : { cwd: gateway.cwd }),
    ...(gateway.env === undefined ? {} : { env: { ...gateway.env } }),
    ...(gateway.logFile === undefined ? {} : { logFile: gateway.logFile }),
    ...timing,
  };
}

/** The monitor's config.json. Validation of values is the monitor's job (check-config, exit 78). */
export function renderMonitorConfig(input: MonitorConfigInput): string {
  const config = {
    primary: {
      url: input.primary.url,
      ...(input.primary.tokenFile === undefined ? {} : { tokenFile: input.primary.tokenFile }),
      timeoutSeconds: input.primary.timeoutSeconds,
    },
    checkIntervalSeconds: input.checkIntervalSeconds,
    failThreshold: input.failThreshold,
    recoverThreshold: input.recoverThreshold,
    minActiveSeconds: input.minActiveSeconds,
    ...(input.flapWindowSeconds === undefined ? {} : { flapWindowSeconds: input.flapWindowSeconds }),
    promoteOn: input.promoteOn,
    gateway: gatewayBlock(input.gateway),
    ...(input.workspace === undefined ? {} : { workspace: { ...input.workspace } }),
    stateFile: input.stateFile,
    status: { listen: input.statusListen },
    notify: input.notifyWebhooks.map((url) => ({ type: 'webhook', url })),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
