// The status endpoint against requests a local user can send: none may end the monitor. Random
// requests, command words among them, are fuzzed against the bundle in status-fuzz.test.ts.
import type http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command } from '../../monitor/src/daemon.js';
import { startStatusServer } from '../../monitor/src/status-server.js';
import { exchange, statusCode } from './raw-http.js';

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
async function rawRequest(requestLine: string): Promise<number> {
  const request = `${requestLine}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
  const { answer } = await exchange(port, request, { end: true, timeoutMs: 5_000 });
  if (answer === undefined) throw new Error(`no answer in 5 s to ${requestLine}`);
  return statusCode(answer);
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
});
