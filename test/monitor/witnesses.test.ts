// The standby's check of itself, with real sockets on loopback: one answering witness is enough,
// none answering is a refusal that names each one and why.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lab/ports.js';
import { isolation } from '../../monitor/src/witnesses.js';

let server: Server;
let open: string;
beforeAll(async () => {
  server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  open = `127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('isolation', () => {
  it('is no objection without witnesses, or when one of them answers', async () => {
    expect(await isolation([], 500)).toBeUndefined();
    expect(await isolation([`127.0.0.1:${await freePort()}`, open], 500)).toBeUndefined();
    expect(
      await isolation([`[::1]:${await freePort()}`, open.replace('127.0.0.1', 'localhost')], 500),
    ).toBeUndefined();
  });

  it('refuses when none answers, naming each witness and its failure', async () => {
    const closed = [`127.0.0.1:${await freePort()}`, `[::1]:${await freePort()}`];
    const reason = await isolation(closed, 400);
    expect(reason).toContain(`${closed[0]}: ECONNREFUSED`);
    expect(reason).toMatch(/\[::1\]:\d+: (ECONNREFUSED|EADDRNOTAVAIL)/);
    expect(reason).toContain('its own network is down');
  });
});
