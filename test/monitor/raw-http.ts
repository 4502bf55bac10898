// HTTP over raw TCP to a server on 127.0.0.1, as a local user can speak it: any bytes, with the
// request ended (the client half-closes after it) or left hanging.
import net from 'node:net';

export interface Exchange {
  /** What came back before the server closed; undefined when it had not closed by the timeout. */
  answer: string | undefined;
  /** From the connect call to the close (or the timeout). */
  ms: number;
}

export function exchange(
  port: number,
  bytes: Buffer | string,
  options: { end: boolean; timeoutMs: number },
): Promise<Exchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      if (options.end) socket.end(bytes);
      else socket.write(bytes);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    // A reset (the server closing on unread input, or at its connection cap) is a close too.
    socket.on('error', () => {});
    socket.on('close', () =>
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), ms: performance.now() - started }),
    );
    socket.setTimeout(options.timeoutMs, () => {
      resolve({ answer: undefined, ms: performance.now() - started });
      socket.destroy();
    });
  });
}

/** The status code an answer starts with; 0 for none. */
export const statusCode = (answer: string | undefined): number =>
  Number(/^HTTP\/1\.[01] (\d{3}) /.exec(answer ?? '')?.[1] ?? 0);

/** A request whose headers never end, as a client holding a connection open sends it. */
export const HALF_SENT = 'GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\n';
