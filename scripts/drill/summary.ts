// The summary table printed after a successful drill: what a user of the droplet would live
// through, measured on this machine with the timings in use.
import { DM_INTERVAL_MS } from './channels.js';
import type { StandbyMode, Timings } from './options.js';
import { heading, line } from './output.js';
import type { Measurements } from './scenario.js';

const probes = (n: number) => (n === 1 ? '1 probe' : `${n} probes`);

export function describeTimings(t: Timings): string {
  return (
    `probe every ${t.checkIntervalSeconds} s (timeout ${t.probeTimeoutSeconds} s), ` +
    `promote after ${probes(t.failThreshold)} failing over at least ${t.minOutageSeconds} s, demote after ${probes(t.recoverThreshold)} ` +
    `healthy and ${t.minActiveSeconds} s active`
  );
}

const secondsCell = (ms: number) => (ms / 1000).toFixed(1);

export function printSummary(m: Measurements, timings: Timings, standbyMode: StandbyMode): void {
  const start =
    standbyMode === 'warm'
      ? `warm standby: channel on in ${secondsCell(m.standbyStartMs)} s`
      : `standby cold start ${secondsCell(m.standbyStartMs)} s`;
  const rows: [string, number, string][] = [
    ['primary killed → first failed probe', m.killToFirstFailureMs, ''],
    ['primary killed → promote decision', m.killToPromoteMs, ''],
    ['primary killed → standby gateway ready', m.killToActiveMs, start],
    [
      'primary killed → standby bot answers a DM',
      m.killToStandbyAnswersMs,
      `${m.standbyDmsSent} DMs sent, one every ${DM_INTERVAL_MS / 1000} s`,
    ],
    [
      'primary restarted → monitor sees it back',
      m.restartToPrimaryBackMs,
      `primary cold start was ${secondsCell(m.primaryColdStartMs)} s at setup`,
    ],
    ['primary back → demote decision', m.primaryBackToDemoteMs, ''],
    [
      'primary back → back to standby',
      m.primaryBackToStandbyMs,
      `gateway stop ${secondsCell(m.standbyStopMs)} s`,
    ],
    ['primary back → standby bot stops answering', m.primaryBackToStandbySilentMs, 'its last poll or reply'],
    [
      'primary back → primary bot answers again',
      m.primaryBackToPrimaryAnswersMs,
      `${m.primaryDmsSent} DMs sent; at setup it answered ${secondsCell(m.primaryDmAnsweredMs)} s after ready`,
    ],
  ];
  const header: [string, string, string] = ['from → to', 'seconds', 'note'];
  const width = Math.max(header[0].length, ...rows.map(([what]) => what.length));
  const cells = (what: string, value: string, note: string) =>
    `  ${what.padEnd(width)}  ${value.padStart(7)}  ${note}`.trimEnd();

  heading('summary');
  line(`  timings: ${describeTimings(timings)}; ${standbyMode} standby`);
  line(cells(...header), 'bold');
  line(cells('-'.repeat(width), '-------', '-'.repeat(header[2].length)));
  for (const [what, ms, note] of rows) line(cells(what, secondsCell(ms), note));
}
