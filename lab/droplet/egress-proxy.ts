// The droplet stand-in's only way out: an HTTP proxy on a unix socket in the root namespace (the
// lab host's relay brings the guest's connections to it). It admits exactly what a droplet needs
// from outside and this machine can reach: plain-HTTP requests to Debian's mirror (apt) and
// CONNECT tunnels to the npm registry (the bootstrap's `npm install -g openclaw`), and tunnels to
// the services the lab serves by name (`served`: api.telegram.org and api.anthropic.com, to the
// TLS front of public-services.ts). Anything else is refused with 403 and recorded, so a test sees
// what the guest tried to reach.
import http from 'node:http';
import net from 'node:net';

const APT_HOSTS = new Set(['deb.debian.org']);
const TUNNEL_HOSTS = new Set(['registry.npmjs.org:443']);

export interface EgressRecord {
  method: string;
  target: string;
  allowed: boolean;
}

export class EgressProxy {
  readonly records: EgressRecord[] = [];
  readonly #server: http.Server;
  readonly #sockets = new Set<net.Socket>();

  /** `served`: CONNECT targets (`host:port`) answered by a lab service on a unix socket. */
  private constructor(readonly served: Readonly<Record<string, string>>) {
    this.#server = http.createServer((req, res) => this.#forward(req, res));
    this.#server.on('connect', (req, client: net.Socket, head: Buffer) => this.#tunnel(req, client, head));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(
    socketPath: string,
    served: Readonly<Record<string, string>> = {},
  ): Promise<EgressProxy> {
    const proxy = new EgressProxy(served);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(socketPath, resolve);
    });
    return proxy;
  }

  refused(): EgressRecord[] {
    return this.records.filter((r) => !r.allowed);
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    let url: URL | undefined;
    try {
      url = new URL(req.url ?? '');
    } catch {}
    const allowed =
      url !== undefined && url.protocol === 'http:' && APT_HOSTS.has(url.hostname) && url.port === '';
    this.records.push({ method: req.method ?? '', target: req.url ?? '', allowed });
    if (!allowed || url === undefined) {
      res.writeHead(403).end('refused by the lab egress proxy\n');
      return;
    }
    const { 'proxy-connection': _, ...headers } = {
      ...req.headers,
      host: url.host,
    } as http.OutgoingHttpHeaders;
    const upstream = http.request(
      { host: url.hostname, port: 80, method: req.method, path: `${url.pathname}${url.search}`, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.setTimeout(60_000, () => upstream.destroy(new Error('upstream timeout')));
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  #tunnel(req: http.IncomingMessage, client: net.Socket, head: Buffer): void {
    const target = req.url ?? '';
    const servedBy = this.served[target];
    const allowed = TUNNEL_HOSTS.has(target) || servedBy !== undefined;
    this.records.push({ method: 'CONNECT', target, allowed });
    if (!allowed) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host = '', port = '443'] = target.split(':');
    const connect = (onConnect: () => void) =>
      servedBy === undefined ? net.connect(Number(port), host, onConnect) : net.connect(servedBy, onConnect);
    const upstream = connect(() => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    this.#sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', close).on('close', () => this.#sockets.delete(upstream));
    client.on('error', close);
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}
