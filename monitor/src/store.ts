// Persists the decision core's state so a restarted monitor knows what it was doing. Writes are
// atomic (write a temp file, fsync, rename) so a crash leaves the old or the new state, never half.
import {
  closeSync,
  constants,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from './config.js';
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

/** The temporary file is created new, never opened through a link planted in its place. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function createStateStore(file: string): StateStore {
  const setAside = (now: number, why: string) => {
    const aside = `${file}.corrupt-${Math.round(now)}`;
    renameSync(file, aside);
    return { state: initialState(now), problem: `state file unreadable (${why}), moved to ${aside}` };
  };
  return {
    load(now) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { state: initialState(now) };
        if (code === 'EISDIR') return setAside(now, 'a directory');
        // Not readable by the monitor (permissions): a restart cannot fix it, so exit 78.
        throw new ConfigError(`stateFile ${file} cannot be read (${code ?? String(err)}): fix or remove it`);
      }
      try {
        const { state, migrated } = stateFromFile(JSON.parse(text), now);
        return migrated ? { state, migrated } : { state };
      } catch (err) {
        return setAside(now, (err as Error).message);
      }
    },
    save(state) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.tmp`;
      rmSync(tmp, { force: true }); // a leftover of a crash, or a planted link (removed, not followed)
      const fd = openSync(tmp, CREATE_NEW, 0o600);
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
