// Waits, bounded, for something a chaos scenario's processes do on their own time.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `condition` holds, polled every 10 ms; throws naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}
