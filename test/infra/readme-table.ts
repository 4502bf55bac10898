// The README's stack config table, as the tests read it: key → its cells after the key column.
import { readFileSync } from 'node:fs';

/** Cells of each row of the "Stack config" table, by key: default, secret, change, what (trimmed: the formatter pads Markdown tables). */
export function stackConfigRows(): Map<string, string[]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  return new Map(
    readme
      .slice(readme.indexOf('### Stack config'))
      .split('\n')
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .filter((cells) => /^`\w+`$/.test(cells[1] ?? ''))
      .map((cells) => [cells[1]?.slice(1, -1) ?? '', cells.slice(2)]),
  );
}
