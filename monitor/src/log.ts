// Logs are one JSON object a line on stdout (journald keeps them), each with an `event` field.
// Writes are synchronous: a line logged just before exit or a crash must not be lost.
import pino from 'pino';

export type Logger = pino.Logger;

/** `destination` defaults to stdout; tests pass a sink of their own. */
export function createLogger(
  level = process.env.LOG_LEVEL ?? 'info',
  destination: pino.DestinationStream = pino.destination({ fd: 1, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
