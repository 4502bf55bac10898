// A Tailscale API stand-in on loopback, at the real API's interface for what the destroy step
// uses: API keys as bearer or HTTP Basic user, OAuth clients trading their ID and secret (HTTP
// Basic or form fields) for a bearer token at POST /api/v2/oauth/token, and the devices, which
// DELETE /api/v2/device/{id} removes (200; 404 for a device it does not have; 401 without valid
// credentials). Every request is recorded with who made it, never with a secret.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiRequest {
  method: string;
  path: string;
  /** Who the credentials are: `api-key:<n>` (the nth key), `oauth:<client id>`, or `none`. */
  caller: string;
  status: number;
}

export interface TailscaleApiOptions {
  apiKeys?: string[];
  /** OAuth client ID → its secret. */
  oauthClients?: Record<string, string>;
  /** Node IDs of the devices in the tailnet. */
  devices?: string[];
}

function reply(res: http.ServerResponse, status: number, body?: unknown): number {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return status;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 65536) req.destroy(new Error('body too large'));
    });
    req.on('end', () => resolve(body)).on('error', reject);
  });
}

/** `Basic` credentials as [user, password], each form-decoded as RFC 6749 asks of OAuth clients. */
function basic(header: string | undefined): [string, string] | undefined {
  const match = /^Basic (\S+)$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const part = (text: string) => decodeURIComponent(text.replaceAll('+', ' '));
  return [part(decoded.slice(0, colon)), part(decoded.slice(colon + 1))];
}

export class TailscaleApi {
  readonly requests: ApiRequest[] = [];
  readonly devices: Set<string>;
  /** API keys revoked in the admin console: refused while here. */
  readonly revoked = new Set<string>();
  readonly #apiKeys: string[];
  readonly #clients: Record<string, string>;
  /** Issued OAuth access token → its client's ID. */
  readonly #tokens = new Map<string, string>();
  readonly #server: http.Server;

  private constructor(options: TailscaleApiOptions) {
    this.devices = new Set(options.devices ?? []);
    this.#apiKeys = [...(options.apiKeys ?? [])];
    this.#clients = { ...options.oauthClients };
    this.#server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://api').pathname;
      this.#handle(req, res, path).then(
        ({ caller, status }) => this.requests.push({ method: req.method ?? '', path, caller, status }),
        (err: Error) => reply(res, 400, { message: err.message }),
      );
    });
  }

  static async start(options: TailscaleApiOptions = {}): Promise<TailscaleApi> {
    const api = new TailscaleApi(options);
    await new Promise<void>((resolve) => api.#server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Who the request's credentials are: an API key (bearer or Basic user) or an OAuth token. */
  #caller(header: string | undefined): string {
    const presented = /^Bearer (\S+)$/i.exec(header ?? '')?.[1] ?? basic(header)?.[0];
    if (presented === undefined || presented === '') return 'none';
    const key = this.#apiKeys.indexOf(presented);
    if (key !== -1) return this.revoked.has(presented) ? 'none' : `api-key:${key}`;
    const client = this.#tokens.get(presented);
    return client === undefined ? 'none' : `oauth:${client}`;
  }

  async #handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: string,
  ): Promise<{ caller: string; status: number }> {
    if (req.method === 'POST' && path === '/api/v2/oauth/token') return this.#token(req, res);
    const caller = this.#caller(req.headers.authorization);
    if (caller === 'none') return { caller, status: reply(res, 401, { message: 'API token invalid' }) };
    const device = /^\/api\/v2\/device\/([^/]+)$/.exec(path)?.[1];
    if (device === undefined) return { caller, status: reply(res, 404, { message: 'not found' }) };
    const id = decodeURIComponent(device);
    if (!this.devices.has(id)) return { caller, status: reply(res, 404, { message: 'not found' }) };
    if (req.method !== 'DELETE')
      return { caller, status: reply(res, 405, { message: 'method not allowed' }) };
    this.devices.delete(id);
    return { caller, status: reply(res, 200) };
  }

  async #token(
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<{ caller: string; status: number }> {
    const form = new URLSearchParams(await readBody(req));
    const [id, secret] = basic(req.headers.authorization) ?? [
      form.get('client_id') ?? '',
      form.get('client_secret') ?? '',
    ];
    const caller = `oauth:${id}`;
    if (form.get('grant_type') !== 'client_credentials') {
      return { caller, status: reply(res, 400, { error: 'unsupported_grant_type' }) };
    }
    if (id === '' || this.#clients[id] !== secret) {
      return { caller, status: reply(res, 401, { error: 'invalid_client' }) };
    }
    const token = `tskey-oauth-token-${randomBytes(12).toString('hex')}`;
    this.#tokens.set(token, id);
    return {
      caller,
      status: reply(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600, scope: 'all' }),
    };
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
