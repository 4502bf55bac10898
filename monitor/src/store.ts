// Persists the decision core's state so a restarted monitor knows what it was doing. Writes are
// atomic (write a temp file, fsync, rename) so a crash leaves the old or the new state, never half.
import {
  closeSync,
  constants,
  fstatSync,
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

/** A state file is a few KiB: anything this large was not written by the monitor. */
export const MAX_STATE_FILE_BYTES = 1024 * 1024;

/**
 * The state file's text; undefined when there is none; `why` when what is there cannot be a state
 * file: a link (never followed, so a link to another file cannot make the monitor read or quote
 * it), a directory, a FIFO (opened without blocking, so no writer is waited for) or a huge file.
 */
function readRegularFile(file: string): string | undefined | { why: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return { why: 'a symbolic link' };
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { why: 'a directory' };
    if (!stat.isFile()) return { why: 'not a regular file' };
    if (stat.size > MAX_STATE_FILE_BYTES) return { why: `${stat.size} bytes, over ${MAX_STATE_FILE_BYTES}` };
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
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
        const read = readRegularFile(file);
        if (typeof read !== 'string')
          return read === undefined ? { state: initialState(now) } : setAside(now, read.why);
        text = read;
      } catch (err) {
        // Not readable by the monitor (permissions): a restart cannot fix it, so exit 78.
        const code = (err as NodeJS.ErrnoException).code;
        throw new ConfigError(`stateFile ${file} cannot be read (${code ?? String(err)}): fix or remove it`);
      }
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (err) {
        // V8 quotes the text around a syntax error: only its position is told (the file is kept aside).
        return setAside(now, `not JSON${/ at position \d+/.exec((err as Error).message)?.[0] ?? ''}`);
      }
      try {
        const { state, migrated } = stateFromFile(raw, now);
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
