// A stand-in for the primary gateway's /readyz that a test can switch between the ways a real
// primary fails: down (nothing listens), hang (accepts, never answers), degraded, garbage, up.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Mode = 'up' | 'degraded' | 'garbage' | 'hang' | 'html';

export class PrimaryStandIn {
  mode: Mode = 'up';
  requests = 0;
  lastAuthorization: string | undefined;
  #server: http.Server | undefined;
  #sockets = new Set<Socket>();
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Listens (again) on the same port, so the monitor's configured URL stays valid. */
  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.requests++;
      this.lastAuthorization = req.headers.authorization;
      if (req.url !== '/readyz')
        return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>app</html>');
      switch (this.mode) {
        case 'up':
          return res
            .writeHead(200, { 'content-type': 'application/json' })
            .end('{"ready":true,"failing":[]}');
        case 'degraded':
          return res
            .writeHead(503, { 'content-type': 'application/json' })
            .end('{"ready":false,"failing":["telegram"]}');
        case 'garbage':
          return res.writeHead(200).end('{"ready":');
        case 'html':
          return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>ready</html>');
        case 'hang':
          return; // keep the request open and never answer
      }
    });
    server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Stops listening and drops every connection: the primary's host is gone. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
