// Reads and validates the whole stack configuration once, before any resource exists, so a bad
// value fails `pulumi preview` with a message naming the key. Defaults live only in Pulumi.yaml:
// the Pulumi CLI applies them before the program runs, so every key is present here.
import { isIP } from 'node:net';
import * as pulumi from '@pulumi/pulumi';
import * as v from 'valibot';
import { isTailnetAddress, telegramBotId } from '../cloud-init/index.js';
import { CONFIG_KEYS, type ConfigKey, type ConfigValues, RULES } from './config-rules.js';
import { slugMemoryMiB, WARM_STANDBY_MIN_MEMORY_MIB } from './droplet-settings.js';

type Secret = pulumi.Output<string>;

export interface StandbyConfig {
  digitalocean: { region: string; dropletSize: string; image: string; project: string };
  ssh: {
    publicKey: string;
    /** Undefined: the SSH connection uses the local ssh-agent. */
    privateKey: Secret | undefined;
    allowedCidrs: string[];
  };
  tailnet: { hostname: string; tags: string[] };
  primary: {
    /** Base URL of the primary gateway over the tailnet, e.g. `http://100.101.102.103:18789`. */
    url: string;
    gatewayToken: Secret | undefined;
  };
  standbyGatewayToken: Secret;
  channel: {
    kind: 'discord' | 'telegram';
    token: Secret;
    /** A Telegram bot's id, its token's part before ':' (public: the bot's user id); undefined for Discord. */
    botId: string | undefined;
    allowFrom: string[];
  };
  /** warm: the gateway runs all the time, its channel off until promotion; cold: started on promotion. */
  standbyMode: 'warm' | 'cold';
  model: { primary: string; fallbacks: string[]; apiKeys: pulumi.Output<Record<string, string>> };
  workspace: { repoUrl: string; sshPort: number; deployKey: Secret } | undefined;
  /** The opt-in primary side (primarySshHost): the workspace push timer installed over SSH. */
  primarySide:
    | {
        host: string;
        port: number;
        user: string;
        hostKey: string;
        privateKey: Secret | undefined;
        workspacePath: string;
        openclawConfigPath: string;
        pushIntervalSeconds: number;
        workspaceRepo: string;
      }
    | undefined;
  versions: { openclaw: string; node: string; nodeSha256: string; nodeDistUrl: string };
  monitor: {
    checkIntervalSeconds: number;
    failThreshold: number;
    recoverThreshold: number;
    minActiveSeconds: number;
    promoteOn: 'down' | 'unready';
    falsePromotionDays: number;
    degradedGraceSeconds: number;
    /** While a run of failing probes lasts, probe this often instead of checkIntervalSeconds; 0: never. */
    confirmIntervalSeconds: number;
    /** A failing run promotes only once it has lasted this long; 0: its length in probes alone decides. */
    minOutageSeconds: number;
    /** host:port endpoints the standby checks before it promotes (witnesses.ts in the monitor). */
    witnesses: string[];
    ownerNotifications: boolean;
    notifyWebhookUrl: Secret | undefined;
  };
}

/**
 * Whether the stack stores this key encrypted (`secure:` in Pulumi.<stack>.yaml). The language
 * host passes the list of such keys to the program; the SDK reads it with `isConfigSecret`, which
 * its type declarations leave out, so it is looked up here and its absence is an error.
 */
function isStoredAsSecret(fullKey: string): boolean {
  const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?: (key: string) => boolean };
  if (typeof runtime.isConfigSecret !== 'function') {
    throw new pulumi.RunError('this @pulumi/pulumi cannot tell which config values are secrets');
  }
  return runtime.isConfigSecret(fullKey);
}

/** Parses every key; returns the values, or the problems (one line per bad key) if any key is bad. */
function readAll(): { values: ConfigValues; problems: [] } | { values: undefined; problems: string[] } {
  const config = new pulumi.Config();
  const problems: string[] = [];
  const values: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of CONFIG_KEYS) {
    const { schema, expected, secret } = RULES[key];
    const name = `${config.name}:${key}`;
    const raw = config.get(key);
    if (raw === undefined) {
      problems.push(`${name} is required: ${expected}`);
      continue;
    }
    if (secret && raw !== '' && !isStoredAsSecret(name)) {
      problems.push(
        `${name} is a secret but is stored in plain text in the stack file: set it again with \`pulumi config set --secret ${name}\``,
      );
      continue;
    }
    const result = v.safeParse(schema, raw);
    if (result.success) values[key] = result.output;
    else {
      const got = secret ? '(value hidden: it is a secret)' : `got ${JSON.stringify(raw)}`;
      problems.push(`${name} must be ${expected}, ${got}`);
    }
  }
  const primary = values.primaryAddress;
  if (typeof primary === 'string' && values.primaryOutsideTailnet === false && !isTailnetAddress(primary)) {
    problems.push(
      `${config.name}:primaryAddress must be a tailnet address (in 100.64.0.0/10 or fd7a:115c:a1e0::/48) or a MagicDNS name (one label, or under .ts.net), got ${JSON.stringify(primary)}: the probe sends the primary's gateway token to it in clear text. To use it anyway, set ${config.name}:primaryOutsideTailnet true`,
    );
  }
  const memory = typeof values.dropletSize === 'string' ? slugMemoryMiB(values.dropletSize) : undefined;
  if (values.standbyMode === 'warm' && memory !== undefined && memory < WARM_STANDBY_MIN_MEMORY_MIB) {
    problems.push(
      `${config.name}:standbyMode "warm" needs a droplet with at least ${WARM_STANDBY_MIN_MEMORY_MIB / 1024} GB of memory (its idle gateway holds about 1 GB), and ${config.name}:dropletSize ${JSON.stringify(values.dropletSize)} has ${memory} MB: set standbyMode to "cold" or pick a larger size`,
    );
  }
  // The bot's id (before ':') is how the duplicate-bot guard recognises the bot on the primary.
  if (
    values.channel === 'telegram' &&
    typeof values.channelToken === 'string' &&
    telegramBotId(values.channelToken) === undefined
  ) {
    problems.push(
      `${config.name}:channelToken must be a Telegram bot token, "<bot id>:<secret>" as BotFather gives it (value hidden: it is a secret)`,
    );
  }
  if (values.workspaceRepo !== undefined && values.workspaceDeployKey === undefined) {
    problems.push(`${config.name}:workspaceDeployKey is required when workspaceRepo is set`);
  }
  if (values.primarySshHost !== undefined) {
    const needed = ['primarySshUser', 'primarySshHostKey', 'workspaceRepo'] as const;
    // A key already reported as bad is not reported again as missing.
    const reported = (key: string) => problems.some((line) => line.startsWith(`${config.name}:${key} `));
    for (const key of needed.filter((k) => values[k] === undefined && !reported(k))) {
      problems.push(
        `${config.name}:${key} is required when primarySshHost is set (the primary side pushes the workspace to workspaceRepo as primarySshUser, and verifies the primary by primarySshHostKey)`,
      );
    }
  }
  return problems.length > 0
    ? { values: undefined, problems }
    : { values: values as ConfigValues, problems: [] };
}

const secret = (value: string | undefined): Secret | undefined =>
  value === undefined ? undefined : pulumi.secret(value);

function bracketIPv6(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

/** Reads, validates and shapes the stack configuration; throws one RunError naming every bad key. */
export function loadConfig(): StandbyConfig {
  const { values: c, problems } = readAll();
  if (c === undefined) throw new pulumi.RunError(`invalid stack configuration:\n  ${problems.join('\n  ')}`);
  return {
    digitalocean: {
      region: c.region,
      dropletSize: c.dropletSize,
      image: c.image,
      project: c.digitaloceanProject,
    },
    ssh: { publicKey: c.sshPublicKey, privateKey: secret(c.sshPrivateKey), allowedCidrs: c.sshAllowedCidrs },
    tailnet: { hostname: c.tailnetHostname, tags: c.tailnetTags },
    primary: {
      url: `http://${bracketIPv6(c.primaryAddress)}:${c.primaryPort}`,
      gatewayToken: secret(c.primaryGatewayToken),
    },
    standbyGatewayToken: pulumi.secret(c.standbyGatewayToken),
    channel: {
      kind: c.channel,
      token: pulumi.secret(c.channelToken),
      botId: c.channel === 'telegram' ? telegramBotId(c.channelToken) : undefined,
      allowFrom: c.channelAllowFrom,
    },
    standbyMode: c.standbyMode,
    model: { primary: c.model, fallbacks: c.modelFallbacks, apiKeys: pulumi.secret(c.modelApiKeys) },
    workspace:
      c.workspaceRepo === undefined || c.workspaceDeployKey === undefined
        ? undefined
        : {
            repoUrl: c.workspaceRepo,
            sshPort: Number(/^ssh:\/\/[^/]*:(\d+)\//.exec(c.workspaceRepo)?.[1] ?? 22),
            deployKey: pulumi.secret(c.workspaceDeployKey),
          },
    primarySide:
      c.primarySshHost === undefined ||
      c.primarySshUser === undefined ||
      c.primarySshHostKey === undefined ||
      c.workspaceRepo === undefined
        ? undefined
        : {
            host: c.primarySshHost,
            port: c.primarySshPort,
            user: c.primarySshUser,
            hostKey: c.primarySshHostKey,
            privateKey: secret(c.primarySshPrivateKey),
            workspacePath: c.primaryWorkspacePath,
            openclawConfigPath: c.primaryOpenclawConfigPath,
            pushIntervalSeconds: c.primaryPushIntervalSeconds,
            workspaceRepo: c.workspaceRepo,
          },
    versions: {
      openclaw: c.openclawVersion,
      node: c.nodeVersion,
      nodeSha256: c.nodeSha256,
      nodeDistUrl: c.nodeDistUrl,
    },
    monitor: {
      checkIntervalSeconds: c.checkIntervalSeconds,
      failThreshold: c.failThreshold,
      recoverThreshold: c.recoverThreshold,
      minActiveSeconds: c.minActiveSeconds,
      promoteOn: c.promoteOn,
      falsePromotionDays: c.falsePromotionDays,
      degradedGraceSeconds: c.degradedGraceSeconds,
      confirmIntervalSeconds: c.confirmIntervalSeconds,
      minOutageSeconds: c.minOutageSeconds,
      witnesses: c.witnesses,
      ownerNotifications: c.ownerNotifications,
      notifyWebhookUrl: secret(c.notifyWebhookUrl),
    },
  };
}
