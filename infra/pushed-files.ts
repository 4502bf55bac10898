// What the deploy step pushes to the droplet: the files it stages and the script that installs
// them. Everything mutable lives here, so changing it never touches user-data or the droplet.
import * as pulumi from '@pulumi/pulumi';
import {
  type DeployScriptInput,
  DROPLET_PATHS,
  type MonitorConfigInput,
  renderDeployScript,
  renderGatewayEnv,
  renderMonitorConfig,
  renderOpenclawConfig,
  STAGED_FILES,
  standbyGateway,
} from '../cloud-init/index.js';
import type { StandbyConfig } from './config.js';
import {
  GATEWAY_START_TIMEOUT_SECONDS,
  GATEWAY_STOP_TIMEOUT_SECONDS,
  MONITOR_WATCHDOG_SECONDS,
  PRIMARY_PROBE_TIMEOUT_SECONDS,
  STANDBY_GATEWAY_PORT,
  WORKSPACE_SYNC_TIMEOUT_SECONDS,
} from './droplet-settings.js';

export interface PushedFiles {
  /** Staged file name → content, for every staged file except the monitor bundle. Secret. */
  files: pulumi.Output<Record<string, string>>;
  /** The root script that installs the staged files and restarts or reloads the monitor. No secret in it. */
  deployScript: string;
}

/** The owners the standby's bot DMs: Telegram user ids from the allowlist, when the stack wants it. */
function ownerDmChats(config: StandbyConfig): string[] {
  if (config.channel.kind !== 'telegram' || !config.monitor.ownerNotifications) return [];
  return config.channel.allowFrom.filter((id) => /^\d+$/.test(id));
}

function monitorConfig(
  config: StandbyConfig,
  notifyWebhookUrl: string | undefined,
  owners: string[],
): string {
  const botId = config.channel.botId;
  const input: MonitorConfigInput = {
    primary: {
      url: config.primary.url,
      ...(config.primary.gatewayToken === undefined ? {} : { tokenFile: DROPLET_PATHS.primaryTokenFile }),
      timeoutSeconds: PRIMARY_PROBE_TIMEOUT_SECONDS,
    },
    checkIntervalSeconds: config.monitor.checkIntervalSeconds,
    failThreshold: config.monitor.failThreshold,
    recoverThreshold: config.monitor.recoverThreshold,
    minActiveSeconds: config.monitor.minActiveSeconds,
    promoteOn: config.monitor.promoteOn,
    falsePromotionDays: config.monitor.falsePromotionDays,
    degradedGraceSeconds: config.monitor.degradedGraceSeconds,
    confirmIntervalSeconds: config.monitor.confirmIntervalSeconds,
    minOutageSeconds: config.monitor.minOutageSeconds,
    witnesses: config.monitor.witnesses,
    gateway: standbyGateway({
      gatewayPort: STANDBY_GATEWAY_PORT,
      startTimeoutSeconds: GATEWAY_START_TIMEOUT_SECONDS,
      stopTimeoutSeconds: GATEWAY_STOP_TIMEOUT_SECONDS,
      standbyMode: config.standbyMode,
      channel: config.channel.kind,
    }),
    ...(config.workspace === undefined
      ? {}
      : {
          workspace: {
            path: DROPLET_PATHS.workspace,
            timeoutSeconds: WORKSPACE_SYNC_TIMEOUT_SECONDS,
            pushBack: true,
          },
        }),
    ...(botId === undefined ? {} : { standbyBot: { channel: 'telegram' as const, id: botId } }),
    stateFile: DROPLET_PATHS.monitorStateFile,
    // No status block: the monitor's default loopback listener, where its CLI looks too.
    notify: [
      ...(notifyWebhookUrl === undefined ? [] : [{ type: 'webhook' as const, url: notifyWebhookUrl }]),
      ...(owners.length === 0
        ? []
        : [{ type: 'telegram' as const, tokenFile: DROPLET_PATHS.ownerDmTokenFile, chatIds: owners }]),
    ],
  };
  return renderMonitorConfig(input);
}

function deployScriptInput(config: StandbyConfig, owners: string[]): DeployScriptInput {
  const host = config.tailnet.hostname;
  return {
    monitorWatchdogSeconds: MONITOR_WATCHDOG_SECONDS,
    primaryToken: config.primary.gatewayToken !== undefined,
    ownerDmToken: owners.length > 0,
    standbyMode: config.standbyMode,
    ...(config.workspace === undefined
      ? {}
      : {
          workspace: {
            gitUrl: config.workspace.repoUrl,
            author: { name: `OpenClaw standby ${host}`, email: `${host}@failover-gateway.invalid` },
          },
        }),
  };
}

export function pushedFiles(config: StandbyConfig): PushedFiles {
  const owners = ownerDmChats(config);
  const unset = pulumi.output<string | undefined>(undefined);
  const files = pulumi
    .all([
      config.channel.token,
      config.standbyGatewayToken,
      config.model.apiKeys,
      config.monitor.notifyWebhookUrl ?? unset,
      config.primary.gatewayToken ?? unset,
      config.workspace?.deployKey ?? unset,
    ])
    .apply(([channelToken, gatewayToken, modelApiKeys, webhook, primaryToken, deployKey]) => {
      const staged: Record<string, string> = {
        [STAGED_FILES.openclawConfig]: renderOpenclawConfig({
          channel: { kind: config.channel.kind, allowFrom: config.channel.allowFrom },
          gatewayPort: STANDBY_GATEWAY_PORT,
          workspacePath: DROPLET_PATHS.workspace,
          model: { primary: config.model.primary, fallbacks: config.model.fallbacks },
          ...(config.standbyMode === 'warm' ? { channelSwitch: DROPLET_PATHS.channelSwitch } : {}),
        }),
        [STAGED_FILES.gatewayEnv]: renderGatewayEnv({
          channel: config.channel.kind,
          channelToken,
          gatewayToken,
          modelApiKeys,
        }),
        [STAGED_FILES.monitorConfig]: monitorConfig(config, webhook, owners),
      };
      if (primaryToken !== undefined) staged[STAGED_FILES.primaryToken] = `${primaryToken}\n`;
      if (owners.length > 0) staged[STAGED_FILES.ownerDmToken] = `${channelToken}\n`;
      if (config.standbyMode === 'warm') staged[STAGED_FILES.standbyToken] = `${gatewayToken}\n`;
      if (deployKey !== undefined) {
        // ssh refuses a private key file without its final newline.
        staged[STAGED_FILES.workspaceDeployKey] = `${deployKey.trimEnd()}\n`;
      }
      return staged;
    });
  return {
    files: pulumi.secret(files),
    deployScript: renderDeployScript(deployScriptInput(config, owners)),
  };
}
