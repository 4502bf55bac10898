// The config's secret files (bearer tokens) should be readable by their owner and group only: a
// token another local user can read lets them talk to the gateway as the monitor does.
import { readFileSync, statSync } from 'node:fs';
import { ConfigError, type MonitorConfig } from './config.js';

/** The token in a secret file, trimmed; a ConfigError naming the key when there is none. */
export function readSecretFile(key: string, file: string): string {
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return token;
    throw new Error('the file is empty');
  } catch (err) {
    throw new ConfigError(`${key}: cannot read a token from ${file}: ${(err as Error).message}`);
  }
}

export interface ExposedSecret {
  key: string;
  file: string;
  /** The file's permission bits, octal. */
  mode: string;
}

/** The configured secret files that others (not owner, not group) may read. */
export function exposedSecretFiles(config: MonitorConfig): ExposedSecret[] {
  const files: [string, string | undefined][] = [
    ['primary.tokenFile', config.primary.tokenFile],
    ['gateway.warm.tokenFile', config.gateway.warm?.tokenFile],
    ...config.notify.map((t, i): [string, string | undefined] => [
      `notify[${i}].tokenFile`,
      t.type === 'telegram' ? t.tokenFile : undefined,
    ]),
  ];
  return files.flatMap(([key, file]) => {
    if (file === undefined) return [];
    const mode = statSync(file, { throwIfNoEntry: false })?.mode;
    if (mode === undefined || (mode & 0o004) === 0) return [];
    return [{ key, file, mode: (mode & 0o777).toString(8).padStart(4, '0') }];
  });
}
