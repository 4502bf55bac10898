// The standby checks itself before it promotes. A standby whose own network failed sees the
// primary fail exactly as a dead primary looks, and a promotion then only adds a second outage
// (its bot cannot reach its chat service either) and a demotion's churn when the network is back.
// So, where witnesses are configured (a few TCP endpoints the standby always reaches: the git
// remote's SSH port, a host of the user's own), a promotion is refused while none of them answers
// a TCP connect: the standby is the one cut off. One answering witness is enough: the standby's
// network works, and the primary's silence is the primary's.
import { connect } from 'node:net';

/** `host:port` or `[v6]:port`, as the config holds a witness. */
export const WITNESS_PATTERN = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

/** Connects and closes at once; resolves with the failure's reason, or undefined when it connected. */
function reach(witness: string, timeoutMs: number): Promise<string | undefined> {
  const [, rawHost = '', port = ''] = WITNESS_PATTERN.exec(witness) ?? [];
  const host = rawHost.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port), timeout: timeoutMs });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => done(undefined));
    socket.once('timeout', () => done(`no answer within ${timeoutMs / 1000} s`));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/**
 * Asks every witness at once; resolves with why a promotion must not happen (none answered), or
 * undefined (one did, or none is configured).
 */
export async function isolation(
  witnesses: readonly string[],
  timeoutMs: number,
): Promise<string | undefined> {
  if (witnesses.length === 0) return undefined;
  const failures = await Promise.all(witnesses.map((w) => reach(w, timeoutMs)));
  if (failures.some((f) => f === undefined)) return undefined;
  const tried = witnesses.map((w, i) => `${w}: ${failures[i]}`).join(', ');
  return `this standby reaches none of its witnesses (${tried}): its own network is down, so the primary's silence proves nothing`;
}
