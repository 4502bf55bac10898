// The metadata guard's nftables rules, loaded for real into a network namespace this test creates,
// with a metadata stand-in on 169.254.169.254 inside it: root gets the user-data, nobody else does.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  METADATA_ADDRESS,
  renderMetadataGuardRules,
  renderMetadataGuardUnit,
} from '../../cloud-init/metadata-guard.js';
import { removeNamespace, sh } from '../../lab/netns.js';
import { run, scratchDir } from './validators.js';

const ns = `fgmeta-${process.pid}-${randomBytes(3).toString('hex')}`;
const files = scratchDir('metadata-guard');
const rules = files.write('metadata-guard.nft', renderMetadataGuardRules());

/** curl from inside the namespace as `uid`: the HTTP status, or 000 when the connection was refused. */
function fetchAs(uid: number): string {
  const args = ['netns', 'exec', ns, 'setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  const curl = [
    'curl',
    '-s',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
    '-m',
    '3',
    `http://${METADATA_ADDRESS}:8080/`,
  ];
  return spawnSync('ip', [...args, ...curl], { encoding: 'utf8' }).stdout;
}

let server: ReturnType<typeof spawnSync> | undefined;
let pid = 0;

beforeAll(async () => {
  sh('ip', ['netns', 'add', ns]);
  sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  sh('ip', ['-n', ns, 'addr', 'add', `${METADATA_ADDRESS}/32`, 'dev', 'lo']);
  const started = spawnSync(
    'bash',
    [
      '-c',
      `ip netns exec ${ns} python3 -m http.server 8080 --bind ${METADATA_ADDRESS} >/dev/null 2>&1 & echo $!`,
    ],
    { encoding: 'utf8' },
  );
  server = started;
  pid = Number(started.stdout.trim());
  for (let i = 0; i < 50 && fetchAs(0) !== '200'; i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(() => {
  if (pid) process.kill(pid, 'SIGKILL');
  removeNamespace(ns);
});

describe('metadata guard', () => {
  it('loads twice without error (the table is replaced whole)', () => {
    for (let i = 0; i < 2; i++) expect(run('ip', ['netns', 'exec', ns, 'nft', '-f', rules]).status).toBe(0);
  });

  it('lets root reach the metadata service and refuses every other user', () => {
    expect(server).toBeDefined();
    expect(fetchAs(0)).toBe('200');
    expect(fetchAs(65534)).toBe('000');
    expect(fetchAs(1000)).toBe('000');
  });

  it('its unit verifies', () => {
    const unit = files.write('metadata-guard.service', renderMetadataGuardUnit(rules));
    const result = run('systemd-analyze', ['verify', unit]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
