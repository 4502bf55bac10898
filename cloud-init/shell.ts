// Shell quoting for values rendered into bash scripts.

/**
 * Quotes a value as one bash word. Single quotes keep everything literal; an embedded single
 * quote closes the string, adds an escaped quote and reopens it. Plain words stay unquoted so the
 * rendered scripts remain readable.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each value and joins them with spaces: a bash word list. */
export function shellWords(values: readonly string[]): string {
  return values.map(shellQuote).join(' ');
}

/** Rejects a value that would break out of a line-oriented file (env file, unit, heredoc). */
export function assertSingleLine(what: string, value: string): void {
  if (/[\n\r\0]/.test(value)) throw new Error(`${what} must be a single line without NUL bytes`);
}
