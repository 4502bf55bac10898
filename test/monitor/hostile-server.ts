// A raw TCP server on 127.0.0.1 that answers GET /case/N/readyz with the bytes of case N
// (hostile-answers.ts), step by step, and keeps count of the connections still open. GET
// /cycle/readyz plays the cases in turn, one a request, then answers ready: a primary as a
// running monitor probes it.

import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { chunk, type HostileCase, type Step } from './hostile-answers.js';

const PAD = Buffer.alloc(16 * 1024, 'x');

const READY = `HTTP/1.1 200 OK\r\ncontent-length: 14\r\nconnection: close\r\n\r\n{"ready":true}`;
const READY_STEPS: Step[] = [{ write: Buffer.from(READY) }, { end: true }];

/** Writes as fast as the client reads, until it goes away: an endless body. */
function pump(socket: net.Socket, framing: 'chunked' | 'raw'): Promise<void> {
  const piece = framing === 'chunked' ? chunk(PAD) : PAD;
  return new Promise((resolve) => {
    const more = () => {
      while (!socket.destroyed && socket.write(piece)) {}
    };
    socket.on('drain', more);
    socket.once('close', () => resolve());
    more();
  });
}

async function play(socket: net.Socket, steps: Step[]): Promise<void> {
  for (const step of steps) {
    if (socket.destroyed) return;
    if ('wait' in step) await sleep(step.wait);
    else if ('write' in step) socket.write(step.write);
    else if ('end' in step) socket.end();
    else if ('reset' in step) socket.resetAndDestroy();
    else await pump(socket, step.endless);
  }
  // Otherwise left open: the client decides when it has read enough, or waited enough.
}

export class HostileServer {
  readonly cases: HostileCase[] = [];
  readonly #sockets = new Set<net.Socket>();
  readonly #server = net.createServer((socket) => this.#serve(socket));
  #cycled = 0;

  get open(): number {
    return this.#sockets.size;
  }

  /** Cases played at /cycle so far. */
  get cycled(): number {
    return Math.min(this.#cycled, this.cases.length);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  url(index: number | 'cycle'): string {
    const port = (this.#server.address() as AddressInfo).port;
    return `http://127.0.0.1:${port}/${index === 'cycle' ? 'cycle' : `case/${index}`}`;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    // The client resets or closes under writes whenever it has had enough.
    socket.on('error', () => {});
    let request = '';
    const onData = (data: Buffer) => {
      request += data.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const steps = this.#steps(request);
      if (steps) void play(socket, steps);
      else socket.destroy();
    };
    socket.on('data', onData);
  }

  #steps(request: string): Step[] | undefined {
    const index = /^GET \/case\/(\d+)\/readyz /.exec(request)?.[1];
    if (index !== undefined) return this.cases[Number(index)]?.steps;
    if (!/^GET \/cycle\/readyz /.test(request)) return undefined;
    return this.cases[this.#cycled++]?.steps ?? READY_STEPS;
  }
}
