// A stand-in for the standby's OpenClaw gateway, started by the monitor's process manager:
// /readyz answers 200 after READY_DELAY_MS; each start appends its pid to STARTS_FILE; with
// WRITE_FILE it writes there as an agent writes to its workspace; IGNORE_SIGTERM makes it stubborn.
import { appendFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';

const port = Number(process.env.PORT);
const readyAt = Date.now() + Number(process.env.READY_DELAY_MS ?? 0);
if (process.env.STARTS_FILE) appendFileSync(process.env.STARTS_FILE, `${process.pid}\n`);
if (process.env.WRITE_FILE)
  writeFileSync(process.env.WRITE_FILE, `written while active by pid ${process.pid}\n`);

http
  .createServer((_req, res) => {
    const ready = Date.now() >= readyAt;
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready }));
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  if (!process.env.IGNORE_SIGTERM) process.exit(0);
});
