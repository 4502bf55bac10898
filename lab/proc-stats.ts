// A process's memory and CPU time straight from /proc, for the benchmark's resource rows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime/stime in /proc/PID/stat. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

export interface ProcSample {
  /** Seconds of CPU used so far (user + system). */
  cpuSeconds: number;
  /** Resident memory now and at its peak, in MiB. */
  rssMiB: number;
  peakRssMiB: number;
  /** When sampled, milliseconds (performance.now()). */
  at: number;
}

function kibField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${name} in /proc status`);
  return Number(match[1]);
}

export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name in parentheses: field 3 is at index 0, utime (14) at 11, stime (15) at 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuSeconds: ticks / CLOCK_TICKS,
    rssMiB: kibField(status, 'VmRSS') / 1024,
    peakRssMiB: kibField(status, 'VmHWM') / 1024,
    at: performance.now(),
  };
}

/** CPU use between two samples of one process, as a percentage of one core. */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  return (100 * (to.cpuSeconds - from.cpuSeconds)) / ((to.at - from.at) / 1000);
}
