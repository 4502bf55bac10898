// A child process run to its end, asynchronously (servers in the calling process keep
// answering), its output collected, killed if it outlives its bound.
import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** Null when it was killed (its bound, or a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  stdin?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function runToEnd(argv: string[], options: RunOptions): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const [command = '', ...args] = argv;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A child that exits without reading its input must not fail the run.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
  });
}
