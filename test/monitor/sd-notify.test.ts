// The real systemd-notify helper sending to a unix datagram socket that stands in for systemd
// (PID 1 is not systemd here). Node has no unix datagram sockets, so python3 receives.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../monitor/src/log.js';
import { createSystemdNotifier } from '../../monitor/src/sd-notify.js';

const RECEIVER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    data = s.recv(4096)
    print(data.decode().replace("\\n", " "), flush=True)
`;

let receiver: ChildProcess | undefined;
afterEach(() => receiver?.kill());

async function listen(): Promise<{ socket: string; messages: string[] }> {
  const socket = join(mkdtempSync(join(tmpdir(), 'sdn-')), 'notify.sock');
  const messages: string[] = [];
  receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  receiver.stdout
    ?.setEncoding('utf8')
    .on('data', (c: string) => messages.push(...c.split('\n').filter(Boolean)));
  while (!messages.includes('bound')) await new Promise((r) => setTimeout(r, 20));
  return { socket, messages };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('systemd notifications', () => {
  it('sends READY=1, WATCHDOG=1 and STOPPING=1 through systemd-notify', async () => {
    const { socket, messages } = await listen();
    const sd = createSystemdNotifier(createLogger('silent'), {
      NOTIFY_SOCKET: socket,
      WATCHDOG_USEC: '3000000',
    });
    expect(sd.watchdogSeconds).toBe(3);
    sd.ready();
    sd.watchdog();
    sd.watchdog();
    sd.stopping();
    // systemd-notify follows each message with BARRIER=1 and waits until the receiver read it.
    const sent = () => messages.filter((m) => m !== 'bound' && m !== 'BARRIER=1');
    await until(() => sent().length >= 4);
    expect(sent().filter((m) => m.includes('WATCHDOG=1'))).toHaveLength(2);
    expect(sent().some((m) => m.includes('READY=1') && m.includes('STATUS=watching the primary'))).toBe(true);
    expect(sent().some((m) => m.includes('STOPPING=1'))).toBe(true);
    expect(sent().every((m) => m.includes(`MAINPID=${process.pid}`))).toBe(true);
  });

  it('reads the watchdog period only when systemd set it for this process', () => {
    const period = (env: NodeJS.ProcessEnv) =>
      createSystemdNotifier(createLogger('silent'), { NOTIFY_SOCKET: '/nonexistent', ...env })
        .watchdogSeconds;
    expect(period({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: String(process.pid) })).toBe(60);
    expect(period({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: String(process.pid + 1) })).toBeUndefined();
    expect(period({})).toBeUndefined();
    expect(period({ WATCHDOG_USEC: 'soon' })).toBeUndefined();
  });

  it('does nothing outside systemd', () => {
    const sd = createSystemdNotifier(createLogger('silent'), { WATCHDOG_USEC: '1000000' });
    expect(sd.watchdogSeconds).toBeUndefined();
    expect(() => [sd.ready(), sd.watchdog(), sd.stopping()]).not.toThrow();
    expect(existsSync('/run/systemd/notify-test')).toBe(false);
  });
});
