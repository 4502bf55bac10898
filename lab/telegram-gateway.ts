// A real OpenClaw gateway with a real Telegram channel, pointed at the lab's Bot API and model
// stand-ins. Its openclaw.json is the standby's, from the droplet's own renderer
// (renderOpenclawConfig), plus only what the lab needs: the Bot API root, the model provider, and
// the admin-http-rpc plugin that serves channels.status (docs/platform-facts.md).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { channelTokenEnv, GATEWAY_TOKEN_ENV, renderOpenclawConfig } from '../cloud-init/openclaw-config.js';
import { LAB_MODEL, LAB_PROVIDER } from './model-provider.js';
import { openclawBin, productionCommand, productionEnv } from './openclaw.js';

export interface TelegramGatewayOptions {
  /** A private folder: state, workspace, config and log go in it. */
  dir: string;
  port: number;
  botToken: string;
  /** Telegram user ids allowed to DM the bot (dmPolicy allowlist). */
  allowFrom: readonly number[];
  /** TelegramBotApi.apiRoot */
  apiRoot: string;
  /** ModelProvider.baseUrl */
  modelBaseUrl: string;
  /** channels.telegram.enabled at start: false is the warm standby. */
  channelEnabled: boolean;
  /** gateway.auth.token, also the admin RPC's bearer. At least 32 characters. */
  gatewayToken: string;
  /**
   * Warm standby as on the droplet: `enabled` lives in this switch file (written here with
   * channelEnabled), included by openclaw.json; the monitor's warm manager turns it.
   */
  channelSwitch?: string;
}

/** The Telegram account's entry in channels.status (`payload.channelAccounts.telegram[0]`). */
export interface TelegramAccountStatus {
  enabled: boolean;
  running: boolean;
  connected?: boolean;
  lifecycle: string;
  lastError: string | null;
}

/** The gateway's openclaw.json: the standby's rendered config plus the lab-only keys. */
export function telegramGatewayConfig(opts: TelegramGatewayOptions, channelEnabled: boolean): object {
  const config = JSON.parse(
    renderOpenclawConfig({
      channel: { kind: 'telegram', allowFrom: opts.allowFrom.map(String) },
      gatewayPort: opts.port,
      workspacePath: join(opts.dir, 'workspace'),
      model: { primary: `${LAB_PROVIDER}/${LAB_MODEL}` },
      ...(opts.channelSwitch === undefined ? {} : { channelSwitch: opts.channelSwitch }),
    }),
  );
  // The token reference and `enabled` always travel in one write: the token alone starts the bot.
  if (opts.channelSwitch === undefined) config.channels.telegram.enabled = channelEnabled;
  config.channels.telegram.apiRoot = opts.apiRoot;
  config.models = {
    providers: {
      [LAB_PROVIDER]: {
        baseUrl: opts.modelBaseUrl,
        // A loopback base URL accepts a non-secret local marker as its key.
        apiKey: 'lab-local',
        api: 'openai-completions',
        models: [
          {
            id: LAB_MODEL,
            name: 'Lab stand-in',
            reasoning: false,
            input: ['text'],
            cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
            contextWindow: 128000,
            maxTokens: 4096,
          },
        ],
      },
    },
  };
  config.plugins = { entries: { 'admin-http-rpc': { enabled: true } } };
  // Its own log file: by default every gateway on the machine appends to one shared
  // /tmp/openclaw/openclaw-<date>.log (stdout stays empty), so a failure could not be told apart.
  config.logging = { file: openclawLogPath(opts) };
  return config;
}

/** The gateway's own log (logging.file): what it says about reloads and channels. */
export function openclawLogPath(opts: Pick<TelegramGatewayOptions, 'dir'>): string {
  return join(opts.dir, 'openclaw.log');
}

/** Writes beside the final name, then renames over it: the gateway never reads half a file. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class TelegramGateway {
  readonly configPath: string;
  readonly logPath: string;
  child: ChildProcess | undefined;
  /** When start() spawned it (Date.now()). */
  startedAt = 0;

  constructor(readonly opts: TelegramGatewayOptions) {
    this.configPath = join(opts.dir, 'openclaw.json');
    this.logPath = join(opts.dir, 'gateway.log');
    mkdirSync(join(opts.dir, 'state'), { recursive: true, mode: 0o700 });
    mkdirSync(join(opts.dir, 'workspace'), { recursive: true });
    if (opts.channelSwitch !== undefined) {
      mkdirSync(dirname(opts.channelSwitch), { recursive: true });
      writeAtomically(opts.channelSwitch, `${JSON.stringify({ enabled: opts.channelEnabled })}\n`);
    }
    const config = telegramGatewayConfig(opts, opts.channelEnabled);
    writeAtomically(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
  }

  /** The command and environment that start it (also what a monitor's process manager runs). */
  get command(): { command: string[]; env: Record<string, string> } {
    return {
      command: productionCommand([openclawBin(), 'gateway', 'run', '--port', String(this.opts.port)]),
      env: {
        OPENCLAW_STATE_DIR: join(this.opts.dir, 'state'),
        OPENCLAW_CONFIG_PATH: this.configPath,
        OPENCLAW_SERVICE_REPAIR_POLICY: 'external',
        [channelTokenEnv('telegram')]: this.opts.botToken,
        [GATEWAY_TOKEN_ENV]: this.opts.gatewayToken,
        // The switch file lies outside the config's folder, as on the droplet.
        ...(this.opts.channelSwitch === undefined
          ? {}
          : { OPENCLAW_INCLUDE_ROOTS: dirname(this.opts.channelSwitch) }),
      },
    };
  }

  /** Starts it in its own process group (kill() ends it and its children); output to gateway.log. */
  start(): ChildProcess {
    const { command, env } = this.command;
    const [bin, ...args] = command as [string, ...string[]];
    const log = createWriteStream(this.logPath, { flags: 'a' });
    this.startedAt = Date.now();
    const child = spawn(bin, args, {
      env: { ...productionEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    return child;
  }

  /** SIGKILLs the whole process group (OpenClaw may ignore SIGTERM); safe to call twice. */
  kill(): void {
    try {
      if (this.child?.pid) process.kill(-this.child.pid, 'SIGKILL');
    } catch {}
  }

  /**
   * Resident memory of its whole process group (gateway, spawn broker, sqlite worker), MiB; `pgid`
   * when something else started it (a monitor's process manager: the pid in its pid file).
   */
  rssMiB(pgid = this.child?.pid): number {
    let kib = 0;
    for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // After the command name in parentheses: state, ppid, then pgrp.
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
        kib += Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      } catch {} // the process ended while being read
    }
    return kib / 1024;
  }

  /** Polls /readyz until 200; returns when (Date.now()). */
  async waitForReady(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const res = await fetch(`http://127.0.0.1:${this.opts.port}/readyz`, {
          signal: AbortSignal.timeout(1000),
        });
        if (res.status === 200) return Date.now();
      } catch {}
      await sleep(100);
    }
    throw new Error(
      `gateway on port ${this.opts.port} not ready within ${timeoutMs} ms (log: ${this.logPath})`,
    );
  }

  /**
   * The last `lines` lines of what the gateway said, for failure messages: its own JSON log
   * shortened to time, subsystem and message, then whatever reached stdout/stderr (a crash).
   */
  logTail(lines = 120): string {
    const read = (file: string) => {
      try {
        return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-lines);
      } catch (err) {
        return [`(${file}: ${(err as Error).message})`];
      }
    };
    const short = (line: string) => {
      try {
        const r = JSON.parse(line) as {
          time?: string;
          0?: string;
          message?: string;
          _meta?: { logLevelName?: string };
        };
        const subsystem = (/"subsystem":"([^"]+)"/.exec(r[0] ?? '') ?? [])[1] ?? '';
        return `${r.time?.slice(11, 23)} ${r._meta?.logLevelName ?? ''} [${subsystem}] ${r.message ?? line}`;
      } catch {
        return line;
      }
    };
    const own = read(openclawLogPath(this.opts)).map(short);
    return [`--- ${openclawLogPath(this.opts)}:`, ...own, `--- ${this.logPath}:`, ...read(this.logPath)].join(
      '\n',
    );
  }

  /** Calls an admin-http-rpc method: POST /api/v1/admin/rpc with the gateway token as bearer. */
  async rpc(
    method: string,
    params: object = {},
  ): Promise<{ ok: boolean; payload?: unknown; error?: unknown }> {
    const res = await fetch(`http://127.0.0.1:${this.opts.port}/api/v1/admin/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.gatewayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, params }),
      signal: AbortSignal.timeout(10_000),
    });
    // A refused call is 400 with `{ok: false, error}`; anything else but 200 (401: wrong token) is not an answer.
    if (res.status !== 200 && res.status !== 400) throw new Error(`admin rpc ${method}: HTTP ${res.status}`);
    return (await res.json()) as { ok: boolean; payload?: unknown; error?: unknown };
  }

  /** The Telegram account in channels.status; undefined while the channel was never loaded. */
  async telegramStatus(): Promise<TelegramAccountStatus | undefined> {
    const answer = await this.rpc('channels.status');
    if (!answer.ok) throw new Error(`channels.status failed: ${JSON.stringify(answer.error)}`);
    const payload = answer.payload as { channelAccounts?: { telegram?: TelegramAccountStatus[] } };
    return payload.channelAccounts?.telegram?.[0];
  }

  /**
   * Turns the channel on or off for the warm standby: rewrites openclaw.json atomically (the
   * gateway hot-applies channels.*), then waits until channels.status confirms it (enabled:
   * running and connected; disabled: not running). Returns the milliseconds until confirmed.
   */
  async setChannelEnabled(enabled: boolean, timeoutMs: number): Promise<number> {
    const writtenAt = Date.now();
    const config = JSON.parse(readFileSync(this.configPath, 'utf8'));
    config.channels.telegram.enabled = enabled;
    writeAtomically(this.configPath, `${JSON.stringify(config, null, 2)}\n`);
    const confirmed = (s: TelegramAccountStatus | undefined) =>
      enabled ? s?.running === true && s.connected === true : s === undefined || !s.running;
    while (Date.now() - writtenAt < timeoutMs) {
      if (confirmed(await this.telegramStatus())) return Date.now() - writtenAt;
      await sleep(100);
    }
    throw new Error(`channel not ${enabled ? 'running' : 'stopped'} within ${timeoutMs} ms of the write`);
  }
}
