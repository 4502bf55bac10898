// `openclaw-failover`: the daemon (`run`) and the operator verbs that talk to a running daemon
// over its loopback status endpoint.
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { checkPrimary, formatFindings } from './check-primary.js';
import { ConfigError, EX_CONFIG, loadConfig, type MonitorConfig } from './config.js';
import { Daemon } from './daemon.js';
import { DEFAULT_DRILL_SECONDS, DEFAULT_STATUS_LISTEN } from './defaults.js';
import { DRILL_SECONDS_RULE, isDrillSeconds } from './drill-seconds.js';
import { createGatewayManager } from './gateway/manager.js';
import { createLogger, type Logger } from './log.js';
import { createNotifier } from './notify.js';
import { createPrimaryGuard } from './primary-guard.js';
import { createProbe } from './probe.js';
import { planReload, type Reloadable } from './reload.js';
import { createSystemdNotifier } from './sd-notify.js';
import { exposedSecretFiles } from './secret-files.js';
import { shownUrl } from './shown-url.js';
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
  openclaw-failover run --config FILE          run the monitor (systemd: Type=notify);
                                               SIGHUP re-reads FILE in place
  openclaw-failover check-config FILE [--watchdog-seconds N]
                                               validate a config file (exit 78 when invalid),
                                               against the unit's WatchdogSec when given
  openclaw-failover reload-plan OLD NEW        print "reload" when NEW can replace OLD in place
                                               (SIGHUP), "restart" when a restart-only key changed
                                               or OLD is not a valid config; exit 78 when NEW is not
  openclaw-failover check-primary --config FILE
                                               ask the primary, read-only, what the standby needs
                                               of it (readiness, no duplicate bot, workspace
                                               pushes); exit 1 when something is missing
  openclaw-failover status [--json]            role, primary health, counters
  openclaw-failover hold                       never promote (maintenance) until release
  openclaw-failover release                    end a hold
  openclaw-failover drill [--seconds N]        promote on a healthy pair for N s (default ${DEFAULT_DRILL_SECONDS}), then demote

The verbs reach the monitor at --listen HOST:PORT, else the status.listen of --config FILE,
else ${DEFAULT_STATUS_LISTEN}.`;

class UsageError extends Error {}

/** Reads the config file and builds the adapters a reload replaces; throws ConfigError. */
function loadReloadable(configFile: string, host: string, log: Logger): Reloadable {
  const config = loadConfig(configFile);
  return {
    config,
    probe: createProbe(config.primary),
    workspace: config.workspace && createWorkspaceSync(config.workspace, { host }),
    notifier: createNotifier(config.notify, host, log),
    guard: createPrimaryGuard(config),
  };
}

async function runDaemon(configFile: string): Promise<void> {
  const log = createLogger();
  const host = hostname();
  const reloadable = loadReloadable(configFile, host, log);
  const { config } = reloadable;
  const systemd = createSystemdNotifier(log);
  checkWatchdogFits(config, systemd.watchdogSeconds);
  const daemon = new Daemon({
    ...reloadable,
    gateway: createGatewayManager(config.gateway, dirname(config.stateFile), log),
    store: createStateStore(config.stateFile),
    systemd,
    log,
    reload: () => loadReloadable(configFile, host, log),
  });
  // Whatever escapes the daemon's own handling is a bug: logged as `fatal`, then exit 70.
  process.on('uncaughtException', (err) => daemon.fatal(err));
  process.on('unhandledRejection', (err) => daemon.fatal(err));
  // Listening before the start also keeps SIGHUP's default action (exit) from killing the monitor.
  process.on('SIGHUP', () => daemon.reload());
  await daemon.start().catch((err: unknown) => {
    if (err instanceof ConfigError) throw err; // exit 78: a restart cannot fix it
    daemon.fatal(err);
  });
  const server = await startStatusServer(
    config.status.listen,
    {
      status: () => statusOf(daemon.state, daemon.config, daemon.observed, host),
      metrics: () => metricsOf(daemon.state, daemon.observed),
      command: (input) => daemon.command(input),
    },
    (err) => log.error({ event: 'status-request-failed', error: String(err) }),
  );
  for (const exposed of exposedSecretFiles(config)) {
    log.warn({ event: 'secret-file-readable', ...exposed, fix: `chmod o-rwx ${exposed.file}` });
  }
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

/** How a monitor running the config in `from` takes the one in `to`; throws ConfigError for a bad `to`. */
function reloadPlan(from: string, to: string): 'reload' | 'restart' {
  const next = loadConfig(to);
  let running: MonitorConfig;
  try {
    running = loadConfig(from);
  } catch (err) {
    if (err instanceof ConfigError) return 'restart';
    throw err;
  }
  return planReload(running, next).kind === 'in-place' ? 'reload' : 'restart';
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
        `${file}: valid (gateway manager ${config.gateway.manager}, primary ${shownUrl(config.primary.url)})`,
      );
      return 0;
    }
    case 'reload-plan': {
      const [, from, to] = positionals;
      if (!from || !to) throw new UsageError('reload-plan needs OLD and NEW config files');
      console.log(reloadPlan(from, to));
      return 0;
    }
    case 'check-primary': {
      const file = values.config ?? arg;
      if (!file) throw new UsageError('check-primary needs --config FILE');
      const config = loadConfig(file);
      const workspace = config.workspace && createWorkspaceSync(config.workspace, { host: hostname() });
      const findings = await checkPrimary(config, workspace);
      console.log(formatFindings(config, findings));
      return findings.some((f) => f.result === 'FAIL') ? 1 : 0;
    }
    case 'status':
      return showStatus(listenFrom(values), values.json ?? false);
    case 'hold':
    case 'release':
      return sendCommand(listenFrom(values), verb);
    case 'drill': {
      const seconds = Number(values.seconds ?? DEFAULT_DRILL_SECONDS);
      if (!isDrillSeconds(seconds)) throw new UsageError(`--seconds: ${DRILL_SECONDS_RULE}`);
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
