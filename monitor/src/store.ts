// Persists the decision core's state so a restarted monitor knows what it was doing. Writes are
// atomic (write a temp file, fsync, rename) so a crash leaves the old or the new state, never half.
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { initialState, type State } from './core/model.js';
import { stateFileText, stateFromFile } from './state-file.js';

export interface StateStore {
  /**
   * The saved state, or a fresh one; a corrupt file is set aside, not trusted and not lost.
   * `migrated` when the file was in the first, unversioned format (rewritten at the next save).
   */
  load(now: number): { state: State; problem?: string; migrated?: boolean };
  save(state: State): void;
}

export function createStateStore(file: string): StateStore {
  return {
    load(now) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: initialState(now) };
        throw err;
      }
      try {
        const { state, migrated } = stateFromFile(JSON.parse(text), now);
        return migrated ? { state, migrated } : { state };
      } catch (err) {
        const aside = `${file}.corrupt-${Math.round(now)}`;
        renameSync(file, aside);
        return {
          state: initialState(now),
          problem: `state file unreadable (${(err as Error).message}), moved to ${aside}`,
        };
      }
    },
    save(state) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, stateFileText(state));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
    },
  };
}
