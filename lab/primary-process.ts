// The primary gateway's /readyz as a process of its own, run inside the primary's namespace
// (`node primary-process.ts PORT`), so a test can do to it what happens to a real primary:
// kill -9, SIGSTOP (a hang: the kernel still accepts connections nobody answers), or switch it by
// a line on stdin to `up`, `slow MS` (answers after MS), `flap DOWN_MS UP_MS` (in time, from the
// line on: for DOWN_MS every request gets its connection reset, then for UP_MS answered, repeating;
// in time, not per request, because a standby confirming a failure probes faster).
// Plain Node with type stripping: it runs where the test's module loader does not.
import http from 'node:http';
import { createInterface } from 'node:readline';

type Mode = { kind: 'up' } | { kind: 'slow'; ms: number } | { kind: 'flap'; down: number; up: number };

const port = Number(process.argv[2]);
let mode: Mode = { kind: 'up' };
/** When the mode was set (performance.now() ms): a flap's phase counts from it. */
let modeSince = performance.now();

function parseMode(line: string): Mode {
  const [kind, a, b] = line.trim().split(/\s+/);
  if (kind === 'up') return { kind };
  if (kind === 'slow' && Number(a) >= 0) return { kind, ms: Number(a) };
  if (kind === 'flap' && Number(a) > 0 && Number(b) > 0) return { kind, down: Number(a), up: Number(b) };
  throw new Error(`unknown mode line: ${line}`);
}

const ready = (res: http.ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true,"failing":[]}');

const server = http.createServer((req, res) => {
  if (req.url !== '/readyz') return res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
  switch (mode.kind) {
    case 'up':
      return ready(res);
    case 'slow': {
      setTimeout(() => ready(res), mode.ms);
      return;
    }
    case 'flap':
      if ((performance.now() - modeSince) % (mode.down + mode.up) < mode.down)
        return req.socket.resetAndDestroy();
      return ready(res);
  }
});
// Probes come on fresh connections; keep-alive would only let an old socket outlive a mode change.
server.keepAliveTimeout = 1;
server.listen(port, '0.0.0.0', () => console.log(JSON.stringify({ event: 'listening', port })));

createInterface({ input: process.stdin })
  .on('line', (line) => {
    mode = parseMode(line);
    modeSince = performance.now();
    console.log(JSON.stringify({ event: 'mode', mode }));
  })
  // The test that started it is gone (stdin closed): nothing may outlive it.
  .on('close', () => process.exit(0));
