import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT, projectDefaults, SECRETS, STACK, storedSecretKeys } from './program.js';

const projectFile = parse(readFileSync(new URL('../../Pulumi.yaml', import.meta.url), 'utf8')) as {
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string } };
};

describe('pulumi up', () => {
  it('loads the program with the runtime options of Pulumi.yaml', async () => {
    const { runtime, main } = projectFile;
    expect(runtime.name).toBe('nodejs');
    const config = Object.fromEntries(
      Object.entries({ ...projectDefaults(), ...STACK, ...SECRETS }).map(([k, v]) => [`${PROJECT}:${k}`, v]),
    );
    // The language host runs node with nodeargs, in the `main` directory, and sets
    // PULUMI_NODEJS_TYPESCRIPT only when the typescript option is on.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FAILOVER_TEST_CONFIG: JSON.stringify(config),
      FAILOVER_TEST_SECRET_KEYS: JSON.stringify(storedSecretKeys()),
    };
    if (runtime.options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = 'true';
    else delete env.PULUMI_NODEJS_TYPESCRIPT;
    const programDir = fileURLToPath(new URL(`../../${main}`, import.meta.url));
    const harness = fileURLToPath(new URL('pulumi-run.cjs', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...runtime.options.nodeargs.split(/\s+/), harness, programDir],
      { cwd: programDir, env },
    );
    expect(JSON.parse(stdout)).toMatchObject({
      dropletName: 'openclaw-standby',
      publicIp: '198.51.100.20',
      sshCommand: 'ssh failover-admin@198.51.100.20',
    });
  });
});
