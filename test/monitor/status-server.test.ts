// The status endpoint against requests a local user can send: none may end the monitor.
import type http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../monitor/src/daemon.js';
import { startStatusServer } from '../../monitor/src/status-server.js';
import { prng } from './core-helpers.js';

const errors: unknown[] = [];
const commands: Command[] = [];
let server: http.Server;
let port: number;
let failStatus = false;

beforeAll(async () => {
  server = await startStatusServer(
    '127.0.0.1:0',
    {
      status: () => {
        if (failStatus) throw new RangeError('Invalid time value');
        return { role: 'standby' };
      },
      metrics: () => 'failover_role 0\n',
      command: (input) => {
        commands.push(input);
        return { state: { role: 'standby' }, actions: [] } as never;
      },
    },
    (error) => errors.push(error),
  );
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => server.close());

/** Sends one raw HTTP/1.1 request line and returns the status code of the answer (0: none). */
function rawRequest(requestLine: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end(`${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer in 5 s')));
  });
}

describe('the status endpoint', () => {
  it('answers targets that are not plain paths with 400, and keeps serving', async () => {
    for (const target of ['http://a:b/status', '//a:b/status', 'http://localhost/status', '*']) {
      expect(await rawRequest(`GET ${target} HTTP/1.1`), target).toBe(400);
    }
    expect(await rawRequest('GET /status HTTP/1.1')).toBe(200);
  });

  it('passes drill seconds through to the core, which bounds them', async () => {
    expect(await rawRequest('POST /drill?seconds=Infinity HTTP/1.1')).toBe(200);
    expect(commands.at(-1)).toEqual({ type: 'drill', seconds: Number.POSITIVE_INFINITY });
  });

  it('answers 500 when answering fails, logs the cause, and keeps serving', async () => {
    failStatus = true;
    expect(await rawRequest('GET /status HTTP/1.1')).toBe(500);
    failStatus = false;
    expect(String(errors.at(-1))).toContain('Invalid time value');
    expect(await rawRequest('GET /metrics HTTP/1.1')).toBe(200);
  });

  it('does not echo the request back in a 404', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/%1b[31mred`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('red');
  });

  it('survives 300 random request lines (fixed seed) and still answers /status', async () => {
    const rnd = prng(20261204);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
    const pieces = [
      '/',
      '//',
      'http://',
      'a:b',
      '@',
      '?',
      '#',
      '%',
      '%zz',
      '..',
      'seconds=',
      '1e308',
      '-1',
      'NaN',
      '\u00e9',
      '[::1]',
      ':0',
      'status',
      'drill',
      'metrics',
      '&',
      '=',
      '*',
      '\\',
      '~',
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT'];
    const before = errors.length;
    for (let i = 0; i < 300; i++) {
      const target = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pick(pieces)).join('');
      const method = pick(methods);
      const code = await rawRequest(`${method} ${target} HTTP/1.1`);
      // 400 also comes from Node's own parser, for a line it cannot read; Node closes a CONNECT
      // (no tunnel is offered) without an answer.
      const expected = method === 'CONNECT' ? [0, 400] : [200, 400, 404, 409];
      expect(expected, `${method} ${target}`).toContain(code);
    }
    expect(errors.length).toBe(before);
    expect(await rawRequest('GET /status HTTP/1.1')).toBe(200);
  });
});
