// One probe of the primary from a process that has used up its file descriptors first, as a
// standby out of them makes it; prints the result as JSON. The name in the URL is looked up for
// the first time under the shortage, which is when glibc's resolver hides it behind ENOTFOUND.
// Bundled and run with plain Node (not tsx, whose loader closes descriptors of its own later):
//   prlimit --nofile=256 node starved-probe.mjs URL
import { closeSync, openSync } from 'node:fs';
import { createProbe } from '../monitor/src/probe.js';

const url = process.argv[2];
if (!url) throw new Error('usage: starved-probe.ts URL');
const probe = createProbe({ url, timeoutSeconds: 2 });
const held: number[] = [];
const fill = () => {
  try {
    for (;;) held.push(openSync('/dev/null', 'r'));
  } catch {}
};
fill();
// Node may still close a descriptor of its start-up after the first tick: take that one too.
await new Promise((resolve) => setTimeout(resolve, 200));
fill();
const result = await probe();
for (const fd of held) closeSync(fd);
process.stdout.write(`${JSON.stringify({ held: held.length, result })}\n`);
