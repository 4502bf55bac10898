// The config's secret files (bearer tokens) should be readable by their owner and group only: a
// token another local user can read lets them talk to the gateway as the monitor does.
import { statSync } from 'node:fs';
import type { MonitorConfig } from './config.js';

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
  ];
  return files.flatMap(([key, file]) => {
    if (file === undefined) return [];
    const mode = statSync(file, { throwIfNoEntry: false })?.mode;
    if (mode === undefined || (mode & 0o004) === 0) return [];
    return [{ key, file, mode: (mode & 0o777).toString(8).padStart(4, '0') }];
  });
}
