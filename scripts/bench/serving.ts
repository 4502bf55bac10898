// When the standby's gateway served, read from the monitor's own log: for the bench's "neither
// gateway serving" row.
import type { LogLine } from '../../lab/bundle.js';

/** A monitor log line's own time, epoch ms. */
export const logTime = (line: LogLine) => Date.parse(String(line.time));

export /** When the standby's gateway served: from each gateway-ready until the next demotion (or `end`). */
function standbySpells(lines: readonly LogLine[], end: number): [number, number][] {
  const spells: [number, number][] = [];
  let start: number | undefined;
  for (const line of lines) {
    if (line.event === 'gateway-ready' && start === undefined) start = logTime(line);
    if (line.event === 'transition' && line.to === 'demoting' && start !== undefined) {
      spells.push([start, logTime(line)]);
      start = undefined;
    }
  }
  if (start !== undefined) spells.push([start, end]);
  return spells;
}
