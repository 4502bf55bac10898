import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../monitor/src/config.js';
import { exposedSecretFiles } from '../../monitor/src/secret-files.js';

const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
const token = (name: string, mode: number) => {
  const file = join(dir, name);
  writeFileSync(file, 'token\n');
  chmodSync(file, mode);
  return file;
};

const configWith = (primaryToken: string, warmToken: string) =>
  parseConfig({
    primary: { url: 'http://100.64.0.1:18789', tokenFile: primaryToken },
    gateway: {
      manager: 'process',
      command: ['true'],
      readyUrl: 'http://127.0.0.1:1/readyz',
      standbyMode: 'warm',
      warm: { channel: 'telegram', switchFile: join(dir, 'switch.json'), tokenFile: warmToken },
    },
    stateFile: join(dir, 'state.json'),
  });

describe('secret files readable by others', () => {
  it('are named with their key and mode; owner- and group-only files are not', () => {
    const config = configWith(token('primary', 0o644), token('standby', 0o640));
    expect(exposedSecretFiles(config)).toEqual([
      { key: 'primary.tokenFile', file: join(dir, 'primary'), mode: '0644' },
    ]);
    expect(exposedSecretFiles(configWith(token('p2', 0o600), token('s2', 0o604)))).toEqual([
      { key: 'gateway.warm.tokenFile', file: join(dir, 's2'), mode: '0604' },
    ]);
  });
});
