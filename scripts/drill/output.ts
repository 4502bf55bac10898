// Plain readable lines on stdout. styleText colours only when stdout is a TTY (and honours
// NO_COLOR / FORCE_COLOR), so piped output and the test see plain text.
import { styleText } from 'node:util';

type Style = Parameters<typeof styleText>[0];

const paint = (style: Style, text: string) => styleText(style, text, { stream: process.stdout });

export function heading(text: string): void {
  process.stdout.write(`\n${paint('bold', text)}\n`);
}

export function line(text: string, style?: Style): void {
  process.stdout.write(`${style ? paint(style, text) : text}\n`);
}

/** A setup step, before the clock starts. */
export function step(text: string): void {
  line(`${paint('dim', '[setup]')} ${text}`);
}

/** Errors go to stderr, so they stay visible when stdout is piped away. */
export function failure(text: string): void {
  process.stderr.write(`${styleText('red', `drill: ${text}`, { stream: process.stderr })}\n`);
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The live timeline: each line stamped with the seconds since the primary was killed. Times are
 * epoch milliseconds, because the monitor stamps its log lines with the wall clock: an event
 * shows when the monitor logged it, not when the drill got round to reading it.
 */
export class Timeline {
  #zero: number | undefined;

  get running(): boolean {
    return this.#zero !== undefined;
  }

  /** Starts the clock: everything after is measured from now. */
  start(): number {
    this.#zero = Date.now();
    return this.#zero;
  }

  /** Milliseconds since the clock started. */
  since(at = Date.now()): number {
    if (this.#zero === undefined) throw new Error('the timeline clock has not started');
    return at - this.#zero;
  }

  event(text: string, style?: Style, at = Date.now()): void {
    const stamp = `+${(this.since(at) / 1000).toFixed(1)} s`.padStart(9);
    line(`${paint('cyan', stamp)}  ${style ? paint(style, text) : text}`);
  }
}
