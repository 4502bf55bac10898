// The monitor's JSON log, read as it comes: each line of interest becomes a timeline line, and the
// drill waits for milestones (a transition, the gateway ready) with a deadline.
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogLine, MonitorProcess } from '../../lab/bundle.js';
import type { DrillOptions } from './options.js';
import type { Timeline } from './output.js';

export interface Milestone {
  line: LogLine;
  /** Epoch ms the monitor logged it. */
  at: number;
}

export interface WaitOptions {
  /**
   * Reads something besides the log each round (the status endpoint) and returns a line to print
   * after the round's log lines, if any. It runs before the log is read, so every log line
   * written before its answer is shown first and the timeline stays in order.
   */
  poll?: () => Promise<string | undefined>;
  /** Throws when the world went wrong meanwhile (a process died). */
  check?: () => void;
}

const READ_INTERVAL_MS = 50;

/** When the monitor logged the line (pino's ISO `time`), else now. */
function loggedAt(line: LogLine): number {
  const at = typeof line.time === 'string' ? Date.parse(line.time) : Number.NaN;
  return Number.isNaN(at) ? Date.now() : at;
}

export class MonitorEvents {
  readonly #monitor: MonitorProcess;
  readonly #timeline: Timeline;
  readonly #standbyPort: number;
  /** For the failed-probe lines: how long a failing run must last to promote. */
  readonly #minOutageSeconds: number;
  /** A warm standby's demotion switches its channel off; the gateway runs on. */
  readonly #warm: boolean;
  #next = 0;
  /** Why the last probe failed: the debug `probe` line comes just before `probe-failed`. */
  #lastFailure: string | undefined;

  constructor(monitor: MonitorProcess, timeline: Timeline, options: DrillOptions) {
    this.#monitor = monitor;
    this.#timeline = timeline;
    this.#standbyPort = options.ports.standby;
    this.#minOutageSeconds = options.timings.minOutageSeconds;
    this.#warm = options.standbyMode === 'warm';
  }

  /**
   * Shows the monitor's new log lines on the timeline until one matches; rejects with a
   * deadline error after timeoutMs, or at once when the monitor exits.
   */
  async until(
    what: string,
    timeoutMs: number,
    match: (line: LogLine) => boolean,
    options: WaitOptions = {},
  ): Promise<Milestone> {
    return (await this.#follow(what, timeoutMs, match, () => false, options)) as Milestone;
  }

  /**
   * Shows the monitor's new log lines and the polled ones until `done()` holds after a round
   * (something outside the log happened, e.g. a bot answered); deadline and exit as in until.
   */
  async untilDone(what: string, timeoutMs: number, done: () => boolean, options: WaitOptions = {}) {
    await this.#follow(what, timeoutMs, () => false, done, options);
  }

  async #follow(
    what: string,
    timeoutMs: number,
    match: (line: LogLine) => boolean,
    done: () => boolean,
    options: WaitOptions,
  ): Promise<Milestone | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const polled = await options.poll?.();
      const fresh = this.#monitor.lines.slice(this.#next);
      let lastAt = 0;
      for (const line of fresh) {
        this.#next++;
        lastAt = loggedAt(line);
        this.#show(line, lastAt);
        if (match(line)) return { line, at: lastAt };
      }
      if (polled !== undefined) this.#timeline.event(polled, undefined, Math.max(Date.now(), lastAt));
      if (done()) return undefined;
      this.assertMonitorRunning(what);
      options.check?.();
      if (Date.now() >= deadline) {
        throw new Error(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
      }
      await sleep(READ_INTERVAL_MS);
    }
  }

  /** Throws, with what the monitor said outside its log lines (stderr), when it has exited. */
  assertMonitorRunning(waitingFor: string): void {
    if (this.#monitor.running) return;
    const { exitCode, signalCode } = this.#monitor.child;
    const stderr = this.#monitor.output.trim();
    throw new Error(
      `the monitor exited (${signalCode ?? `code ${exitCode}`}) while waiting for ${waitingFor}` +
        (stderr ? `: ${stderr}` : ''),
    );
  }

  #show(line: LogLine, at: number): void {
    // Before the kill, the drill's own setup lines tell the story.
    if (!this.#timeline.running || this.#timeline.since(at) < 0) return;
    if (line.event === 'probe' && line.health !== 'up') {
      this.#lastFailure = `${line.health}: ${line.detail}`;
      return;
    }
    const text = this.#describe(line);
    if (text === undefined) return;
    const style = line.level === 'error' ? 'red' : line.event === 'transition' ? 'bold' : undefined;
    this.#timeline.event(text, style, at);
  }

  #describe(line: LogLine): string | undefined {
    switch (line.event) {
      case 'probe-failed':
        return (
          `probe failed: ${line.failures} in a row over ${line.failingSeconds} s, promoting at ${line.threshold} ` +
          `over ${this.#minOutageSeconds} s (${this.#lastFailure ?? line.health})`
        );
      // Down needs no line of its own: the failed probes say it.
      case 'primary-health':
        if (line.to === 'up') return 'the monitor sees the primary up';
        if (line.to === 'degraded') {
          const failing = Array.isArray(line.failing) ? line.failing.join(', ') : '';
          return `the monitor sees the primary answering, not ready yet: degraded (failing: ${failing})`;
        }
        return undefined;
      case 'transition':
        return this.#transition(String(line.to), String(line.reason));
      case 'gateway-starting':
        return `standby gateway starting (${line.gateway}${Number(line.attempt) > 1 ? `, attempt ${line.attempt}` : ''})`;
      case 'gateway-ready':
        return `standby gateway ready: /readyz answered 200 after ${Number(line.seconds).toFixed(1)} s`;
      case 'gateway-stopping':
        return this.#warm
          ? `standby channel switching off (${line.gateway})`
          : `standby gateway stopping (${line.gateway}: SIGTERM to its process group)`;
      case 'start-failed':
        return `standby gateway failed to start (attempt ${line.attempt}): ${line.error}; the monitor retries`;
      default:
        // Anything else the monitor flags (stop-failed, unexpected-input, …) is worth seeing.
        return line.level === 'error' || line.level === 'warn'
          ? `monitor ${line.level}: ${line.event} ${JSON.stringify(line)}`
          : undefined;
    }
  }

  #transition(to: string, reason: string): string {
    switch (to) {
      case 'promoting':
        return `PROMOTE decision: ${reason}`;
      case 'active':
        return `standby ACTIVE: its gateway serves on 127.0.0.1:${this.#standbyPort}`;
      case 'demoting':
        return `DEMOTE decision: ${reason}`;
      case 'standby':
        return `back to STANDBY: ${reason}`;
      default:
        return `role ${to}: ${reason}`;
    }
  }
}
