// The standby's openclaw.json and the env file that carries its secrets.
//
// OpenClaw substitutes `${VAR}` (uppercase names) in any config string from its environment, so
// the config holds only references; the values live in /etc/openclaw/gateway.env (root, 0600),
// which systemd reads through the gateway unit's EnvironmentFile=. The config is therefore not a
// secret, and a leaked copy of it reveals nothing.
import type { ChannelKind } from './paths.js';
import { assertSingleLine } from './shell.js';

/** The standby gateway's own token (gateway.auth.token): required by a non-loopback bind. */
export const GATEWAY_TOKEN_ENV = 'OPENCLAW_GATEWAY_TOKEN';

/** The env variable holding the channel's bot token; the names OpenClaw's docs use. */
export function channelTokenEnv(channel: ChannelKind): string {
  return channel === 'discord' ? 'DISCORD_BOT_TOKEN' : 'TELEGRAM_BOT_TOKEN';
}

/**
 * The bot id of a Telegram token, `<bot id>:<secret>` as BotFather gives it; undefined for
 * anything else. Not secret: it is how the duplicate-bot guard recognises the bot on the primary.
 */
export function telegramBotId(token: string): string | undefined {
  return /^(\d{1,20}):\S+$/.exec(token)?.[1];
}

export interface OpenclawConfigInput {
  channel: {
    kind: ChannelKind;
    /** DM allowlist: Discord user ids or Telegram numeric user ids. At least one. */
    allowFrom: readonly string[];
  };
  gatewayPort: number;
  /** Absolute path of the agent workspace (DROPLET_PATHS.workspace on the droplet). */
  workspacePath: string;
  /** e.g. `anthropic/claude-opus-4-6`; fallbacks are tried in order. */
  model: { primary: string; fallbacks?: readonly string[] };
  /**
   * Warm standby: the monitor's switch file (absolute). The channel's `enabled` then comes only
   * from it (`$include`, hot-applied by OpenClaw), and the admin-http-rpc plugin answers the
   * monitor's channels.status. Cold standby (absent): the channel is enabled here.
   */
  channelSwitch?: string;
}

export interface GatewayEnvInput {
  channel: ChannelKind;
  channelToken: string;
  gatewayToken: string;
  /** Provider keys under the env names their providers read, e.g. `{ ANTHROPIC_API_KEY: '…' }`. */
  modelApiKeys: Readonly<Record<string, string>>;
}

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** openclaw.json for the standby: one channel, DM allowlist, tailnet bind with token auth. */
export function renderOpenclawConfig(input: OpenclawConfigInput): string {
  const { channel, gatewayPort, workspacePath, model, channelSwitch } = input;
  if (channel.allowFrom.length === 0) throw new Error('channel.allowFrom must name at least one user');
  if (!workspacePath.startsWith('/')) throw new Error('workspacePath must be absolute');
  if (channelSwitch !== undefined && !channelSwitch.startsWith('/'))
    throw new Error('channelSwitch must be absolute');

  // The token never stands without its `enabled` (the token alone starts the bot): here, or in the
  // included switch file, which this reference always sits beside.
  const enabled = channelSwitch === undefined ? { enabled: true } : { $include: channelSwitch };
  const tokenRef = `\${${channelTokenEnv(channel.kind)}}`;
  const token = channel.kind === 'discord' ? { token: tokenRef } : { botToken: tokenRef };
  const channels = {
    [channel.kind]: { ...enabled, ...token, dmPolicy: 'allowlist', allowFrom: [...channel.allowFrom] },
  };
  const plugins = {
    // Telegram ships inside OpenClaw; Discord is a plugin the first-boot script preinstalls. Installing it
    // records this entry in openclaw.json, which this rendered file replaces, so it is kept here.
    ...(channel.kind === 'discord' ? { discord: { enabled: true } } : {}),
    // Serves POST /api/v1/admin/rpc with the gateway token: the warm monitor's channels.status.
    ...(channelSwitch === undefined ? {} : { 'admin-http-rpc': { enabled: true } }),
  };

  const config = {
    agents: {
      defaults: {
        workspace: workspacePath,
        model: { primary: model.primary, fallbacks: [...(model.fallbacks ?? [])] },
      },
    },
    channels,
    gateway: {
      mode: 'local',
      // Tailscale IPv4 plus 127.0.0.1 on the same port: the monitor probes the loopback side.
      bind: 'tailnet',
      port: gatewayPort,
      auth: { mode: 'token', token: `\${${GATEWAY_TOKEN_ENV}}` },
    },
    ...(Object.keys(plugins).length === 0 ? {} : { plugins: { entries: plugins } }),
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/**
 * Double-quotes a value for a file read both by systemd's EnvironmentFile= and by bash: in both,
 * a backslash inside double quotes escapes exactly `"`, `\`, `$` and the backquote.
 */
function envFileValue(value: string): string {
  return `"${value.replace(/["\\$`]/g, (c) => `\\${c}`)}"`;
}

/** /etc/openclaw/gateway.env: every secret the gateway needs, nothing else. */
export function renderGatewayEnv(input: GatewayEnvInput): string {
  const entries: [string, string][] = [
    [channelTokenEnv(input.channel), input.channelToken],
    [GATEWAY_TOKEN_ENV, input.gatewayToken],
    ...Object.entries(input.modelApiKeys),
  ];
  const seen = new Set<string>();
  const lines = entries.map(([name, value]) => {
    if (!ENV_NAME.test(name))
      throw new Error(`env variable name ${JSON.stringify(name)} is not [A-Z_][A-Z0-9_]*`);
    if (seen.has(name)) throw new Error(`env variable ${name} is set twice`);
    seen.add(name);
    if (value === '') throw new Error(`env variable ${name} is empty`);
    assertSingleLine(`env variable ${name}`, value);
    return `${name}=${envFileValue(value)}`;
  });
  return `# Secrets of openclaw.service, referenced from openclaw.json as \${NAME}. Pushed by infra.\n${lines.join('\n')}\n`;
}
