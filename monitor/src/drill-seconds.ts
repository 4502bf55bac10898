// How long a drill may keep the standby serving, in seconds: one rule for the drill command (the
// core refuses what it does not allow), the CLI's --seconds and the state file, and the sentence
// that tells it, so that no refusal names other bounds than the check applies.

/**
 * Fractions allowed (the labs drill for half a second), at most a day: a drill keeps the standby
 * serving beside a healthy primary, so it is bounded rather than trusted; larger values (up to
 * Infinity) would also overflow the status clock.
 */
const DRILL_SECONDS = { above: 0, atMost: 86_400 } as const;

export const DRILL_SECONDS_RULE = `drill seconds must be a number above ${DRILL_SECONDS.above} and at most ${DRILL_SECONDS.atMost}`;

/** Whether a drill may last this long; false for NaN and the infinities. */
export const isDrillSeconds = (seconds: number): boolean =>
  seconds > DRILL_SECONDS.above && seconds <= DRILL_SECONDS.atMost;
