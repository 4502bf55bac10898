// The droplet lab's host side, one process run inside the lab host's namespace
// (`node lab-host.ts CONFIG_JSON`); it serves what the droplet stand-in reaches on the lab link:
//   - relays: TCP on the link → a unix socket in the root namespace: the egress proxy's (the only
//     way out, and only to Debian's mirror and the npm registry, see egress-proxy.ts) and, on
//     port 443, the TLS front of the services the droplet calls by name (public-services.ts);
//   - nodejs.org's dist layout, from the lab image's Node tarball (with its real SHA-256);
//   - the cloud metadata stand-in at 169.254.169.254 (user-data, as DigitalOcean serves it);
//   - the Tailscale control stand-in: single-use auth keys, 100.x addresses, logouts.
// One JSON object a line on stdout for every request. Plain Node with type stripping, no imports
// beyond node: so it runs where the test's module loader does not.
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, normalize } from 'node:path';

interface LabHostConfig {
  relays: { name: string; host: string; port: number; socket: string }[];
  dist: { host: string; port: number; root: string };
  metadata: { host: string; port: number; userData: string };
  control: { host: string; port: number; authKeys: string[]; address: string };
}

const config = JSON.parse(process.argv[2] ?? '{}') as LabHostConfig;
const say = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, at: Date.now(), ...fields })}\n`);

function listen(server: net.Server, host: string, port: number, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      say('listening', { name, host, port });
      resolve();
    });
  });
}

const relay = (socket: string) =>
  net.createServer((client) => {
    const upstream = net.connect(socket);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });

function reply(res: http.ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const dist = http.createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://dist').pathname));
  const file = join(config.dist.root, path);
  say('dist-request', { path });
  try {
    if (!file.startsWith(config.dist.root) || !statSync(file).isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-length': statSync(file).size });
    createReadStream(file).pipe(res);
  } catch {
    reply(res, 404, { error: 'not found' });
  }
});

const metadata = http.createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://metadata').pathname;
  say('metadata-request', { path, from: req.socket.remoteAddress });
  if (path === '/metadata/v1/user-data') res.writeHead(200).end(config.metadata.userData);
  else reply(res, 404, { error: 'not found' });
});

const spent = new Set<string>();
const devices = new Map<string, { hostname: string; tags: string }>();

function readJson(req: http.IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 65536) req.destroy(new Error('body too large'));
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(body) as Record<string, string>);
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

const control = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  try {
    if (req.method === 'POST' && path === '/machine/register') {
      const { authKey = '', hostname = '', tags = '' } = await readJson(req);
      // The key itself is never logged: only whether it was known, and a short prefix.
      const known = config.control.authKeys.includes(authKey);
      const reused = spent.has(authKey);
      say('register', { hostname, tags, keyPrefix: authKey.slice(0, 12), known, reused });
      if (!known || reused)
        return reply(res, 403, { error: reused ? 'auth key already used' : 'invalid key' });
      spent.add(authKey);
      devices.set(config.control.address, { hostname, tags });
      return reply(res, 200, { address: config.control.address });
    }
    if (req.method === 'POST' && path === '/machine/logout') {
      const { address = '', hostname = '' } = await readJson(req);
      say('logout', { address, hostname, known: devices.delete(address) });
      return reply(res, 200, {});
    }
    if (req.method === 'GET' && path === '/devices') return reply(res, 200, Object.fromEntries(devices));
    reply(res, 404, { error: 'not found' });
  } catch (err) {
    reply(res, 400, { error: (err as Error).message });
  }
});

for (const { name, host, port, socket } of config.relays) await listen(relay(socket), host, port, name);
await listen(dist, config.dist.host, config.dist.port, 'dist');
await listen(metadata, config.metadata.host, config.metadata.port, 'metadata');
await listen(control, config.control.host, config.control.port, 'control');
say('ready');
