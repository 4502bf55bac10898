// The README's stack config table is what users read; Pulumi.yaml is what Pulumi applies.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stackConfigRows } from './readme-table.js';

interface KeySpec {
  default?: unknown;
  secret?: boolean;
  description: string;
}

const project = parse(readFileSync(new URL('../../Pulumi.yaml', import.meta.url), 'utf8')) as {
  config: Record<string, KeySpec>;
};
const rows = new Map(
  [...stackConfigRows()].map(([key, [defaultValue, secret]]) => [
    key,
    { default: defaultValue, secret: secret === 'yes' },
  ]),
);

describe('README stack config table', () => {
  it('lists every key of Pulumi.yaml, and only those', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(project.config).sort());
  });

  it.each(Object.entries(project.config))('shows the default and secrecy of %s', (key, spec) => {
    const row = rows.get(key);
    expect(row?.default).toBe(
      spec.default === undefined ? 'required' : `\`${JSON.stringify(spec.default)}\``,
    );
    // Required secrets carry `secret: true`; optional ones cannot (Pulumi refuses a plain default
    // there), so their description starts with "Secret.".
    expect(row?.secret).toBe(spec.secret === true || spec.description.startsWith('Secret.'));
  });
});
