// The warm standby's channel switch: the file openclaw.json includes as its channel's
// `$include`, holding only `{"enabled": …}`. OpenClaw watches included files and hot-applies the
// flag (docs/platform-facts.md). The bot token stays in openclaw.json, always beside this include,
// so the token is never read without the flag that keeps it off.
import { open, readFile, rename } from 'node:fs/promises';

/** Whether the file says enabled; a missing or unreadable one is not (the gateway refuses it too). */
export async function readSwitch(file: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  try {
    return (JSON.parse(text) as { enabled?: unknown }).enabled === true;
  } catch {
    return false;
  }
}

/**
 * Replaces the file atomically (temp file, fsync, rename): the gateway's watcher reads the old or
 * the new flag, never half a file. 0640: the gateway reads it through its group (setgid folder).
 */
export async function writeSwitch(file: string, enabled: boolean): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', 0o640);
  try {
    await handle.writeFile(`${JSON.stringify({ enabled })}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
}
