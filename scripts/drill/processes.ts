// Finding and stopping the lab's processes through /proc. A process group kill reaches what a
// gateway spawned, but not what escaped its group; every lab process therefore also carries a
// marker variable in its environment (children inherit it), and a final sweep kills by marker.
//
// All reads are asynchronous, and that matters: tsx's parent process relays Ctrl-C to the drill
// and SIGKILLs it unless the drill acknowledges the signal within 30 ms, which a synchronous scan
// of /proc blocking the event loop would miss, killing the drill in the middle of its cleanup.
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export const LAB_MARKER_ENV = 'FAILOVER_DRILL_LAB';

interface ProcInfo {
  pid: number;
  pgrp: number;
}

async function readProc(pid: number, file: string): Promise<string | undefined> {
  try {
    return await readFile(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    // Gone meanwhile, or another user's process: neither is ours to stop.
    return undefined;
  }
}

/** Live (not zombie) processes; a zombie has exited and only waits for a parent to reap it. */
async function liveProcesses(): Promise<ProcInfo[]> {
  const found: ProcInfo[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readProc(Number(entry), 'stat');
    if (!stat) continue;
    // Field 2, the command name, is in parentheses and may itself contain spaces and ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state === 'Z' || state === 'X') continue;
    found.push({ pid: Number(entry), pgrp: Number(pgrp) });
  }
  return found;
}

/** Live processes whose environment carries this lab's marker. */
export async function labProcesses(labDir: string): Promise<number[]> {
  const entry = `${LAB_MARKER_ENV}=${labDir}`;
  const found: number[] = [];
  for (const { pid } of await liveProcesses()) {
    if (pid !== process.pid && (await readProc(pid, 'environ'))?.split('\0').includes(entry)) found.push(pid);
  }
  return found;
}

async function groupMembers(pgids: number[]): Promise<number[]> {
  return (await liveProcesses()).filter((p) => pgids.includes(p.pgrp)).map((p) => p.pid);
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function waitUntilEmpty(list: () => Promise<number[]>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while ((await list()).length > 0) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * SIGTERM to each group, SIGKILL to what is left after graceMs (at once when graceMs is 0);
 * resolves when no live member is left.
 */
export async function stopGroups(pgids: number[], graceMs: number): Promise<void> {
  const members = () => groupMembers(pgids);
  if (graceMs > 0) {
    for (const pgid of pgids) signal(-pgid, 'SIGTERM');
    if (await waitUntilEmpty(members, graceMs)) return;
  }
  for (const pgid of pgids) signal(-pgid, 'SIGKILL');
  if (!(await waitUntilEmpty(members, 5000))) {
    throw new Error(`processes ${(await members()).join(', ')} are still there 5 s after SIGKILL`);
  }
}

/**
 * Gives what still carries the lab's marker graceMs to exit on its own (OpenClaw's helper
 * processes, which lead their own groups, follow their gateway out), then SIGKILLs the rest.
 * Returns how many had to be killed.
 */
export async function sweepLab(labDir: string, graceMs: number): Promise<number> {
  if (await waitUntilEmpty(() => labProcesses(labDir), graceMs)) return 0;
  const left = await labProcesses(labDir);
  for (const pid of left) signal(pid, 'SIGKILL');
  if (!(await waitUntilEmpty(() => labProcesses(labDir), 5000))) {
    throw new Error(`processes ${(await labProcesses(labDir)).join(', ')} are still there 5 s after SIGKILL`);
  }
  return left.length;
}
