// Manager "process": the gateway runs detached, leading its own process group, with its output in a
// log file. So it outlives the monitor (stopping the monitor never stops a promoted gateway), a
// restarted monitor adopts it through the pid file, and a stop reaches every process it spawned.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GatewayConfig } from '../config.js';
import type { GatewayManager } from './manager.js';

type ProcessGatewayConfig = Extract<GatewayConfig, { manager: 'process' }>;

/** `startTime` (clock ticks after boot) tells our gateway apart from a later process that got its pid. */
interface PidRecord {
  pid: number;
  startTime: number;
}

interface ProcStat {
  state: string;
  pgrp: number;
  startTime: number;
}

/** A command that dies within this long is a failed launch, reported with its exit status and output. */
const LAUNCH_GRACE_MS = 300;
const POLL_MS = 50;
/** SIGKILL is not refused; only a process stuck in uninterruptible I/O outlasts this. */
const KILL_WAIT_MS = 5000;
const LOG_TAIL_BYTES = 500;

function parsePidRecord(text: string): PidRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { pid, startTime } = (value ?? {}) as Partial<Record<keyof PidRecord, unknown>>;
  const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  return isCount(pid) && pid > 0 && isCount(startTime) ? { pid, startTime } : undefined;
}

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Fields 3 (state), 5 (pgrp) and 22 (starttime) of /proc/<pid>/stat; undefined if there is no such process. */
async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ESRCH') return undefined;
    throw err;
  }
  // Field 2 is the command name in parentheses, which may itself contain spaces and ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0] ?? '', pgrp: Number(fields[2]), startTime: Number(fields[19]) };
}

// A zombie has exited; it lingers until reaped, which an init that does not reap never does.
const isLive = (stat: ProcStat) => stat.state !== 'Z' && stat.state !== 'X';

/** Whether any live process is left in the group. */
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    if (errorCode(err) === 'ESRCH') return false;
    throw err;
  }
  // kill() also succeeds while only zombies are left, so look at the members themselves.
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readStat(Number(entry));
    if (stat && stat.pgrp === pgid && isLive(stat)) return true;
  }
  return false;
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (await groupAlive(pgid)) {
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errorCode(err) !== 'ESRCH') throw err;
  }
}

export class ProcessGatewayManager implements GatewayManager {
  readonly #cfg: ProcessGatewayConfig;
  readonly #pidFile: string;
  readonly #logFile: string;
  /** The last pid seen running, for describe(). */
  #pid: number | undefined;

  constructor(cfg: ProcessGatewayConfig, runDir: string) {
    this.#cfg = cfg;
    this.#pidFile = join(runDir, 'gateway.pid');
    this.#logFile = cfg.logFile ?? join(runDir, 'gateway.log');
  }

  describe(): string {
    const name = `process ${basename(this.#cfg.command[0] ?? '')}`;
    return this.#pid === undefined ? name : `${name} pid ${this.#pid}`;
  }

  async isRunning(): Promise<boolean> {
    return (await this.#runningGateway()) !== undefined;
  }

  async start(): Promise<void> {
    if (await this.isRunning()) return;
    const [file = '', ...args] = this.#cfg.command;
    await mkdir(dirname(this.#pidFile), { recursive: true, mode: 0o700 });
    await mkdir(dirname(this.#logFile), { recursive: true, mode: 0o700 });
    const log = await open(this.#logFile, 'a', 0o600);
    const logOffset = (await log.stat()).size;
    let pid: number;
    let exited: Promise<string>;
    try {
      const child = spawn(file, args, {
        cwd: this.#cfg.cwd,
        env: { ...process.env, ...this.#cfg.env },
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
      });
      // While this monitor lives, Node still reaps the child; it just does not wait for it.
      child.unref();
      exited = new Promise((resolve) => {
        child.once('exit', (code, signal) =>
          resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`),
        );
      });
      await once(child, 'spawn');
      pid = child.pid as number;
    } catch (err) {
      const where = this.#cfg.cwd === undefined ? '' : ` in ${this.#cfg.cwd}`;
      throw new Error(
        `cannot launch gateway command ${JSON.stringify(file)}${where}: ${(err as Error).message}`,
      );
    } finally {
      await log.close();
    }

    // Recorded before anything else can fail, so a monitor that dies right now still finds its gateway.
    const stat = await readStat(pid);
    if (stat) await this.#writePidFile({ pid, startTime: stat.startTime });
    const early = stat ? await Promise.race([exited, sleep(LAUNCH_GRACE_MS, undefined)]) : await exited;
    if (early !== undefined) {
      await rm(this.#pidFile, { force: true });
      throw new Error(
        `gateway command ${JSON.stringify(file)} ${early} right after launch; output: ${await this.#logSince(logOffset)}`,
      );
    }
    this.#pid = pid;
  }

  async stop(): Promise<void> {
    const gateway = await this.#runningGateway();
    if (gateway) {
      // Spawned detached, the gateway leads a process group whose id is its pid.
      signalGroup(gateway.pid, 'SIGTERM');
      if (!(await waitGroupGone(gateway.pid, this.#cfg.stopTimeoutSeconds * 1000))) {
        signalGroup(gateway.pid, 'SIGKILL');
        if (!(await waitGroupGone(gateway.pid, KILL_WAIT_MS))) {
          throw new Error(`${this.describe()} is still there ${KILL_WAIT_MS / 1000} s after SIGKILL`);
        }
      }
    }
    await rm(this.#pidFile, { force: true });
  }

  /** The pid file's gateway if that very process is alive; a reused pid does not count. */
  async #runningGateway(): Promise<PidRecord | undefined> {
    const recorded = await this.#readPidFile();
    if (!recorded) return undefined;
    const stat = await readStat(recorded.pid);
    if (!stat || !isLive(stat) || stat.startTime !== recorded.startTime) return undefined;
    this.#pid = recorded.pid;
    return recorded;
  }

  async #readPidFile(): Promise<PidRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.#pidFile, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    const record = parsePidRecord(text);
    if (!record)
      throw new Error(`pid file ${this.#pidFile} is not a {"pid","startTime"} record: ${text.slice(0, 100)}`);
    return record;
  }

  async #writePidFile(record: PidRecord): Promise<void> {
    const temporary = `${this.#pidFile}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
    await rename(temporary, this.#pidFile);
  }

  /** The end of what the gateway wrote to the log since `offset`. */
  async #logSince(offset: number): Promise<string> {
    const log = await open(this.#logFile, 'r');
    try {
      const { size } = await log.stat();
      const from = Math.max(offset, size - LOG_TAIL_BYTES);
      const { buffer, bytesRead } = await log.read(Buffer.alloc(size - from), 0, size - from, from);
      const text = buffer.subarray(0, bytesRead).toString('utf8').trim();
      return text === '' ? '(none)' : text;
    } finally {
      await log.close();
    }
  }
}
