// The internet services the droplet calls by name, served inside the lab: api.telegram.org (the
// Telegram Bot API stand-in, lab/telegram-bot-api.ts) and api.anthropic.com (the model stand-in,
// lab/model-provider.ts). The guest resolves both names to the lab host and trusts a CA made for
// this run only, so the standby's real OpenClaw (its Telegram channel, its default `anthropic/…`
// model) and the monitor (its owner DMs) reach them over HTTPS exactly as on a droplet: the stack
// renders no apiRoot or baseUrl for the lab. The lab host relays port 443 of the link to the TLS
// front here (a unix socket), which sends each connection by its SNI name to the stand-in.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { GATEWAY_UNIT_NAME, MONITOR_UNIT_NAME } from '../../cloud-init/index.js';
import { ModelProvider } from '../model-provider.js';
import { TelegramBotApi } from '../telegram-bot-api.js';
import { LAB_HOST_IP } from './network.js';

export const TELEGRAM_HOST = 'api.telegram.org';
export const ANTHROPIC_HOST = 'api.anthropic.com';
/** What the model stand-in answers every turn: a DM's answer is told from an owner DM by it. */
export const MODEL_REPLY = 'Standby here: the droplet answered.';
const CA_IN_GUEST = '/usr/local/share/ca-certificates/failover-gateway-lab.crt';

export class PublicServices {
  readonly #sockets = new Set<net.Socket>();
  readonly #refused: string[] = [];

  private constructor(
    readonly botApi: TelegramBotApi,
    readonly model: ModelProvider,
    readonly caCertificate: string,
    readonly front: tls.Server,
    /** The unix socket the front listens on. */
    readonly socket: string,
  ) {}

  /** Starts the stand-ins and the TLS front on `socket`; keys and certificates go in `dir`. */
  static async start(dir: string, socket: string): Promise<PublicServices> {
    const { ca, key, cert } = makeCertificates(dir);
    const botApi = await TelegramBotApi.start();
    const model = await ModelProvider.start(MODEL_REPLY);
    const backends: Record<string, string> = {
      [TELEGRAM_HOST]: botApi.apiRoot,
      [ANTHROPIC_HOST]: model.baseUrl,
    };
    const front = tls.createServer({ key, cert });
    const services = new PublicServices(botApi, model, ca, front, socket);
    front.on('secureConnection', (client) => {
      const backend = backends[client.servername || ''];
      if (backend === undefined) {
        services.#refused.push(client.servername || '(no SNI)');
        return client.destroy();
      }
      const { hostname, port } = new URL(backend);
      const upstream = net.connect(Number(port), hostname);
      services.#track(client, upstream);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.listen(socket, resolve);
    });
    return services;
  }

  #track(...sockets: net.Socket[]): void {
    for (const socket of sockets) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {
        for (const s of sockets) s.destroy();
      });
    }
  }

  /** The egress proxy's tunnels to the front: `host:443` for each name it serves. */
  tunnels(): Record<string, string> {
    return { [`${TELEGRAM_HOST}:443`]: this.socket, [`${ANTHROPIC_HOST}:443`]: this.socket };
  }

  /**
   * A root shell script for the guest: the two names resolve to the lab host, the gateway and the
   * monitor trust the run's CA (a unit drop-in, as the droplet's services trust the public CAs Node
   * carries), and the gateway reaches the internet through `proxy`. OpenClaw's model transport
   * refuses a provider whose name resolves to a link-local address (its SSRF guard; the lab's
   * internet is link-local), but through a proxy, as behind a company's, the proxy resolves the
   * name. Everything else the droplet runs is as the stack rendered it.
   */
  guestSetup(proxy: string): string {
    const ca = `Environment=NODE_EXTRA_CA_CERTS=${CA_IN_GUEST}`;
    const dropIns = {
      [GATEWAY_UNIT_NAME]: `[Service]\\n${ca}\\nEnvironment=HTTPS_PROXY=${proxy} NO_PROXY=localhost,127.0.0.1,::1\\n`,
      [MONITOR_UNIT_NAME]: `[Service]\\n${ca}\\n`,
    };
    return [
      'set -eu',
      `printf '%s\\n' '${LAB_HOST_IP} ${TELEGRAM_HOST} ${ANTHROPIC_HOST}' >> /etc/hosts`,
      `cat > ${CA_IN_GUEST} <<'CA'\n${this.caCertificate.trim()}\nCA`,
      `chmod 0644 ${CA_IN_GUEST}`,
      ...Object.entries(dropIns).map(
        ([unit, text]) =>
          `mkdir -p /etc/systemd/system/${unit}.d && printf '${text}' > /etc/systemd/system/${unit}.d/lab.conf`,
      ),
      'systemctl daemon-reload',
    ].join('\n');
  }

  /** What the droplet asked of the stand-ins: Bot API methods with their answers, model turns. */
  summary(): string {
    const calls = new Map<string, number>();
    for (const { method, status } of this.botApi.calls) {
      const key = `${method} ${status}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
    }
    const methods = [...calls].map(([key, n]) => `${key} ×${n}`).join(', ');
    return `Bot API: ${methods || 'no call'}; model: ${this.model.requests.length} turns, unknown calls: ${this.model.unknown.join(', ') || 'none'}; TLS names refused: ${this.#refused.join(', ') || 'none'}`;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.front.close(resolve));
    await Promise.all([this.botApi.close(), this.model.close()]);
  }
}

/** A CA for this run and a certificate it signed for both names (openssl; P-256, two days). */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=failover-gateway lab CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  openssl(
    'req',
    ...ec,
    '-keyout',
    file('front.key'),
    '-out',
    file('front.csr'),
    '-subj',
    `/CN=${TELEGRAM_HOST}`,
  );
  writeFileSync(
    file('front.ext'),
    `subjectAltName=DNS:${TELEGRAM_HOST},DNS:${ANTHROPIC_HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('front.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    file('front.ext'),
    '-out',
    file('front.crt'),
  );
  return {
    ca: readFileSync(file('ca.crt'), 'utf8'),
    key: readFileSync(file('front.key'), 'utf8'),
    cert: readFileSync(file('front.crt'), 'utf8'),
  };
}
