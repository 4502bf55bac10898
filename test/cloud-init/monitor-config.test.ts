import { describe, expect, it } from 'vitest';
import { renderMonitorConfig } from '../../cloud-init/index.js';
import { parseConfig } from '../../monitor/src/config.js';
import { WORKSPACE_FETCH_SECONDS } from '../../monitor/src/defaults.js';
import { monitorConfigInput } from './fixture.js';

describe('monitor config', () => {
  it('the droplet’s config (systemd manager) parses with the monitor’s own parseConfig', () => {
    const config = parseConfig(JSON.parse(renderMonitorConfig(monitorConfigInput)));
    expect(config.gateway).toEqual({
      manager: 'systemd',
      unit: 'openclaw.service',
      readyUrl: 'http://127.0.0.1:18789/readyz',
      startTimeoutSeconds: 180,
      stopTimeoutSeconds: 30,
      standbyMode: 'warm',
      warm: {
        channel: 'discord',
        switchFile: '/var/lib/openclaw-failover-switch/channel.json',
        tokenFile: '/etc/openclaw-failover/standby-gateway-token',
      },
    });
    expect(config.primary).toEqual({
      url: 'http://100.101.102.103:18789',
      tokenFile: '/etc/openclaw-failover/primary-token',
      timeoutSeconds: 2,
    });
    expect(config.workspace).toEqual({
      path: '/srv/openclaw-workspace',
      timeoutSeconds: 20,
      pushBack: true,
      fetchIntervalSeconds: WORKSPACE_FETCH_SECONDS,
    });
    expect(config.notify).toEqual([
      { type: 'webhook', url: 'https://hooks.example.com/openclaw-failover', timeoutSeconds: 5 },
    ]);
    expect(config.stateFile).toBe('/var/lib/openclaw-failover/state.json');
  });

  it('a lab config (process manager, no workspace, no token) parses too', () => {
    const text = renderMonitorConfig({
      ...monitorConfigInput,
      primary: { url: 'http://127.0.0.1:28789', timeoutSeconds: 0.5 },
      checkIntervalSeconds: 0.1,
      flapWindowSeconds: 60,
      promoteOn: 'unready',
      gateway: {
        manager: 'process',
        command: ['node', 'openclaw.mjs', 'gateway', 'run', '--port', '38789'],
        cwd: '/tmp/lab',
        env: { OPENCLAW_STATE_DIR: '/tmp/lab/state' },
        logFile: '/tmp/lab/gateway.log',
        readyUrl: 'http://127.0.0.1:38789/readyz',
        startTimeoutSeconds: 60,
        stopTimeoutSeconds: 5,
      },
      workspace: undefined,
      stateFile: '/tmp/lab/state.json',
      notify: [],
    });
    const raw = JSON.parse(text);
    expect(raw).not.toHaveProperty('workspace');
    expect(raw.primary).not.toHaveProperty('tokenFile');
    const config = parseConfig(raw);
    expect(config.gateway.manager).toBe('process');
    expect(config.flapWindowSeconds).toBe(60);
    expect(config.promoteOn).toBe('unready');
  });

  it('a value outside the contract is caught by parseConfig, naming the key', () => {
    const text = renderMonitorConfig({ ...monitorConfigInput, status: { listen: '0.0.0.0:18790' } });
    expect(() => parseConfig(JSON.parse(text))).toThrow(/status\.listen/);
  });
});
