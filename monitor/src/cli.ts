// `openclaw-failover`: the daemon (`run`) and the operator verbs that talk to a running daemon
// over its loopback status endpoint.
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, EX_CONFIG, loadConfig } from './config.js';
import { Daemon } from './daemon.js';
import { DEFAULT_DRILL_SECONDS, DEFAULT_STATUS_LISTEN } from './defaults.js';
import { createGatewayManager } from './gateway/manager.js';
import { createLogger } from './log.js';
import { createNotifier } from './notify.js';
import { createProbe } from './probe.js';
import { createSystemdNotifier } from './sd-notify.js';
import { metricsOf, statusOf } from './status.js';
import { runDrill, sendCommand, showStatus } from './status-client.js';
import { startStatusServer } from './status-server.js';
import { createStateStore } from './store.js';
import { version } from './version.js';
import { checkWatchdogFits } from './watchdog.js';
import { createWorkspaceSync } from './workspace.js';

const EX_USAGE = 64;

const USAGE = `openclaw-failover ${version}: failover monitor for an OpenClaw standby gateway

Usage:
  openclaw-failover run --config FILE          run the monitor (systemd: Type=notify)
  openclaw-failover check-config FILE [--watchdog-seconds N]
                                               validate a config file (exit 78 when invalid),
                                               against the unit's WatchdogSec when given
  openclaw-failover status [--json]            role, primary health, counters
  openclaw-failover hold                       never promote (maintenance) until release
  openclaw-failover release                    end a hold
  openclaw-failover drill [--seconds N]        promote on a healthy pair for N s (default ${DEFAULT_DRILL_SECONDS}), then demote

The verbs reach the monitor at --listen HOST:PORT, else the status.listen of --config FILE,
else ${DEFAULT_STATUS_LISTEN}.`;

class UsageError extends Error {}

async function runDaemon(configFile: string): Promise<void> {
  const config = loadConfig(configFile);
  const log = createLogger();
  const systemd = createSystemdNotifier(log);
  checkWatchdogFits(config, systemd.watchdogSeconds);
  const host = hostname();
  const daemon = new Daemon({
    config,
    probe: createProbe(config.primary),
    gateway: createGatewayManager(config.gateway, dirname(config.stateFile), log),
    workspace: config.workspace && createWorkspaceSync(config.workspace, { host }),
    notifier: createNotifier(config.notify, host, log),
    store: createStateStore(config.stateFile),
    systemd,
    log,
  });
  // Whatever escapes the daemon's own handling is a bug: logged as `fatal`, then exit 70.
  process.on('uncaughtException', (err) => daemon.fatal(err));
  process.on('unhandledRejection', (err) => daemon.fatal(err));
  await daemon.start().catch((err: unknown) => daemon.fatal(err));
  const server = await startStatusServer(config.status.listen, {
    status: () => statusOf(daemon.state, config, daemon.lastProbe, host),
    metrics: () => metricsOf(daemon.state, daemon.lastProbe),
    command: (input) => daemon.command(input),
  });
  log.info({
    event: 'started',
    version,
    config: configFile,
    role: daemon.state.role,
    status: config.status.listen,
  });

  const shutdown = async (signal: string) => {
    log.info({ event: 'shutdown', signal, role: daemon.state.role });
    server.close();
    await daemon.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function listenFrom(values: { listen?: string; config?: string }): string {
  if (values.listen) return values.listen;
  if (values.config) return loadConfig(values.config).status.listen;
  return DEFAULT_STATUS_LISTEN;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string' },
      seconds: { type: 'string' },
      'watchdog-seconds': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
    },
  });
  const [verb, arg] = positionals;
  if (values.version) {
    console.log(version);
    return 0;
  }
  if (values.help || !verb) {
    console.log(USAGE);
    return values.help ? 0 : EX_USAGE;
  }

  switch (verb) {
    case 'run': {
      const file = values.config ?? arg;
      if (!file) throw new UsageError('run needs --config FILE');
      await runDaemon(file);
      return -1; // keeps running until a signal
    }
    case 'check-config': {
      const file = arg ?? values.config;
      if (!file) throw new UsageError('check-config needs a FILE');
      const config = loadConfig(file);
      const watchdog = values['watchdog-seconds'];
      if (watchdog !== undefined) {
        const seconds = Number(watchdog);
        if (!(seconds > 0)) throw new UsageError('--watchdog-seconds must be a positive number');
        checkWatchdogFits(config, seconds);
      }
      console.log(
        `${file}: valid (gateway manager ${config.gateway.manager}, primary ${config.primary.url})`,
      );
      return 0;
    }
    case 'status':
      return showStatus(listenFrom(values), values.json ?? false);
    case 'hold':
    case 'release':
      return sendCommand(listenFrom(values), verb);
    case 'drill': {
      const seconds = Number(values.seconds ?? DEFAULT_DRILL_SECONDS);
      if (!(seconds > 0)) throw new UsageError('--seconds must be a positive number');
      return runDrill(listenFrom(values), seconds);
    }
    default:
      throw new UsageError(`unknown command "${verb}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: Error) => {
    if (err instanceof ConfigError) {
      console.error(`openclaw-failover: ${err.message}`);
      process.exit(EX_CONFIG);
    }
    if (err instanceof UsageError || (err as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`openclaw-failover: ${err.message}\n\n${USAGE}`);
      process.exit(EX_USAGE);
    }
    console.error(`openclaw-failover: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
