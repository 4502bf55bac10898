// A userspace TCP proxy that adds latency (the kernel has no netem), run inside the primary's
// namespace: `node delay-proxy.ts LISTEN_HOST LISTEN_PORT TARGET_PORT DELAY_MS` forwards to
// 127.0.0.1:TARGET_PORT and holds every chunk DELAY_MS before passing it on, in each direction.
// A line `delay MS` on stdin changes the delay for data that arrives from then on.
import net from 'node:net';
import { createInterface } from 'node:readline';

const [listenHost = '', listenPort, targetPort, initialDelay] = process.argv.slice(2);
let delayMs = Number(initialDelay);

/** Passes data from one socket to the other after the delay, never reordering chunks. */
function relay(from: net.Socket, to: net.Socket): void {
  let lastDelivery = 0;
  const later = (fn: () => void) => {
    // A shorter delay set mid-stream must not let a chunk overtake the one before it.
    lastDelivery = Math.max(Date.now() + delayMs, lastDelivery);
    setTimeout(fn, lastDelivery - Date.now());
  };
  from.on('data', (chunk) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => later(() => to.destroy()));
}

// Half-open allowed on both legs: each side's end travels through the proxy, delayed like data.
const server = net.createServer({ allowHalfOpen: true }, (client) => {
  const upstream = net.connect({ port: Number(targetPort), host: '127.0.0.1', allowHalfOpen: true });
  relay(client, upstream);
  relay(upstream, client);
});
server.listen(Number(listenPort), listenHost, () =>
  console.log(JSON.stringify({ event: 'listening', port: Number(listenPort), delayMs })),
);

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [word, ms] = line.trim().split(/\s+/);
    if (word !== 'delay' || !(Number(ms) >= 0)) throw new Error(`unknown command: ${line}`);
    delayMs = Number(ms);
    console.log(JSON.stringify({ event: 'delay', delayMs }));
  })
  // The test that started it is gone (stdin closed): nothing may outlive it.
  .on('close', () => process.exit(0));
