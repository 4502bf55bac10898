// A loopback port whose connection attempts go unanswered, as a powered-off droplet's address
// does: a socket that listens and never accepts, its accept queue filled, so the kernel drops
// every further SYN (net.ipv4.tcp_abort_on_overflow off, the default) and the client waits out its
// own timeout. Held by a python3 process (Node accepts whatever arrives), which ends with its stdin.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

const HOLDER = `
import socket, sys
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(0)
queued = []
for _ in range(3):
    client = socket.socket()
    client.setblocking(False)
    client.connect_ex(server.getsockname())
    queued.append(client)
print(server.getsockname()[1], flush=True)
sys.stdin.read()
`;

/** Whether a connect to the port gets an answer within `ms`. */
function answers(port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (answered: boolean) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true)).once('error', () => done(true));
  });
}

export class UnansweredPort {
  private constructor(
    readonly port: number,
    readonly holder: ChildProcess,
  ) {}

  static async start(): Promise<UnansweredPort> {
    const holder = spawn('python3', ['-c', HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
    const port = await new Promise<number>((resolve, reject) => {
      holder.stdout?.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
      holder.once('exit', (code) => reject(new Error(`the port holder exited (${code})`)));
    });
    const unanswered = new UnansweredPort(port, holder);
    if (await answers(port, 1000)) {
      await unanswered.stop();
      throw new Error('a full accept queue still answers here (net.ipv4.tcp_abort_on_overflow on?)');
    }
    return unanswered;
  }

  async stop(): Promise<void> {
    if (this.holder.exitCode !== null || this.holder.signalCode !== null) return;
    const exited = new Promise((resolve) => this.holder.once('exit', resolve));
    this.holder.stdin?.end();
    await exited;
  }
}
