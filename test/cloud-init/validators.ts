// Runs the real validators (Debian packages and the pinned OpenClaw) on rendered files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {},
): RunResult {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: options.env ?? process.env,
    input: options.input,
    cwd: options.cwd,
    timeout: 120_000,
  });
  if (result.error) throw new Error(`cannot run ${command}: ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A temp dir removed after the test file; files written into it by name. */
export function scratchDir(prefix: string): { dir: string; write(name: string, content: string): string } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const file = join(dir, name);
      writeFileSync(file, content);
      return file;
    },
  };
}

/** Shellcheck at its strictest severity; returns its findings ('' when clean). */
export function shellcheck(file: string): RunResult {
  return run('shellcheck', ['--norc', '--severity=style', '--external-sources', file]);
}
