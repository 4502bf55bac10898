// Logs are one JSON object a line on stdout (journald keeps them), each with an `event` field.
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    // Synchronous writes: a line logged just before exit or a crash must not be lost.
    pino.destination({ fd: 1, sync: true }),
  );
}
