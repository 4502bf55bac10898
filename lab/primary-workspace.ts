// The primary's side of the workspace in the chaos lab: a clone on the primary's host, OpenClaw's
// writes stood in for by a journal line (the epoch in ms) every 100 ms, and the product's own
// workspace push script (cloud-init/workspace-push.ts) run every `intervalSeconds`, as the
// primary's systemd timer runs it. `die()` kills all of it at once, a push in flight included, as
// when the primary's server dies. What the standby then serves is what a failover loses.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderWorkspacePushScript } from '../cloud-init/workspace-push.js';
import { NsProcess } from './ns-process.js';

/** The file the stand-in writes; one line per write, its time in epoch ms. */
export const JOURNAL_FILE = 'journal.md';

export const primaryWorkspacePath = (dir: string) => join(dir, 'primary-workspace');

export class PrimaryWorkspace {
  readonly #process: NsProcess;

  private constructor(process: NsProcess) {
    this.#process = process;
  }

  /**
   * Starts writing and pushing in `dir/primary-workspace`, cloned from `remoteUrl` (from the
   * primary's namespace) the first time; a later start is the primary's server back up.
   */
  static async start(
    netns: string,
    remoteUrl: string,
    dir: string,
    intervalSeconds: number,
  ): Promise<PrimaryWorkspace> {
    const ws = primaryWorkspacePath(dir);
    if (!existsSync(ws)) {
      execFileSync('ip', ['netns', 'exec', netns, 'git', 'clone', '-q', remoteUrl, ws], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    }
    const script = join(dir, 'workspace-push');
    writeFileSync(script, renderWorkspacePushScript(ws), { mode: 0o700 });
    const period = Math.round(intervalSeconds * 1000);
    // One process group (setsid), so that one SIGKILL takes the writer, the push and its git.
    const loop = `next=0
echo '{"event":"started"}'
while :; do
  now=$(date +%s%3N)
  echo "$now" >> ${JSON.stringify(join(ws, JOURNAL_FILE))}
  if ((now >= next)); then
    next=$((now + ${period}))
    if out=$(bash ${JSON.stringify(script)} 2>&1); then [[ -z $out ]] || echo '{"event":"pushed"}'; else echo '{"event":"push-failed"}'; fi
  fi
  sleep 0.1
done`;
    const process = new NsProcess(netns, ['setsid', 'bash', '-c', loop]);
    await process.waitFor((l) => l.event === 'started', 5000);
    return new PrimaryWorkspace(process);
  }

  /** Resolves once the push script has pushed `count` times. */
  async pushes(count: number, timeoutMs: number): Promise<void> {
    await this.#process.waitFor(() => this.#process.events('pushed').length >= count, timeoutMs);
  }

  /** Kills the writer and any push in flight at once; resolves with the moment (epoch ms). */
  async die(): Promise<number> {
    const at = Date.now();
    process.kill(-this.#process.pid, 'SIGKILL');
    await this.#process.exited;
    return at;
  }
}

/** The newest journal entry in a workspace checkout (epoch ms), or undefined when it has none. */
export function newestJournalEntry(workspace: string): number | undefined {
  const file = join(workspace, JOURNAL_FILE);
  if (!existsSync(file)) return undefined;
  const last = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1);
  return last === undefined || last === '' ? undefined : Number(last);
}
