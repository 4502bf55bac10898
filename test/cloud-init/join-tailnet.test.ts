// The tailnet join command, run for real by bash with stand-ins for sudo and the tailscale CLI
// that record what they were given: the key arrives on stdin, reaches `tailscale up` as a file
// only while the command runs, a node already joined is left alone, and stdout is the node's ID.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJoinTailnetCommand, renderJoinTailnetScript } from '../../cloud-init/index.js';
import { joinTailnetInput, SECRETS } from './fixture.js';
import { run, scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('join-tailnet');
const command = renderJoinTailnetCommand(joinTailnetInput);
const NODE_ID = 'nT3stNode1CNTRL';

/** Runs the command as the deploy does (`bash -c` over SSH, the key on stdin), `joined` or not. */
function joinAs(joined: boolean) {
  const dir = join(scratch.dir, joined ? 'joined' : 'new');
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const record = join(dir, 'record');
  scratch.write(`${joined ? 'joined' : 'new'}/bin/sudo`, '#!/bin/sh\nexec "$@"\n');
  scratch.write(
    `${joined ? 'joined' : 'new'}/bin/tailscale`,
    `#!/bin/bash
if [[ $1 == ip ]]; then ${joined ? 'echo 100.64.0.7' : 'exit 1'}; exit; fi
if [[ $1 == status && $2 == --json ]]; then echo '{"BackendState": "Running", "Self": {"ID": "${NODE_ID}"}}'; exit; fi
echo 'tailscale up chatter'
for arg in "$@"; do
  case $arg in --auth-key=file:*) file=\${arg#--auth-key=file:}; echo "key $(<"$file")" >>${record}; echo "file $file" >>${record} ;; esac
done
echo "args $*" >>${record}
`,
  );
  for (const name of ['sudo', 'tailscale']) chmodSync(join(bin, name), 0o755);
  const result = run('bash', ['-c', command], {
    env: { PATH: `${bin}:/usr/bin:/bin` },
    input: `${SECRETS.tailscaleAuthKey}\n`,
  });
  const lines = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n') : [];
  return { result, lines };
}

describe('the tailnet join command', () => {
  it('hands the key from stdin to tailscale up as a file, removed afterwards', () => {
    const { result, lines } = joinAs(false);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${NODE_ID}\n`);
    expect(lines).toContain(`key ${SECRETS.tailscaleAuthKey}`);
    expect(lines).toContain(
      `args up --auth-key=file:${lines.find((l) => l.startsWith('file '))?.slice(5)} --hostname=openclaw-standby --advertise-tags=tag:openclaw-standby,tag:server`,
    );
    const file = lines.find((l) => l.startsWith('file '))?.slice(5) ?? '';
    expect(existsSync(file)).toBe(false);
    expect(command).not.toContain(SECRETS.tailscaleAuthKey);
  });

  it('leaves a node already joined as it is, and still names it', () => {
    const { result, lines } = joinAs(true);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/already joined/);
    expect(result.stdout).toBe(`${NODE_ID}\n`);
    expect(lines).toEqual([]);
  });

  it('passes shellcheck', () => {
    const result = shellcheck(scratch.write('join.sh', renderJoinTailnetScript(joinTailnetInput)));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('refuses a tag list that a comma would extend', () => {
    expect(() => renderJoinTailnetCommand({ ...joinTailnetInput, tags: ['tag:a,tag:admin'] })).toThrow(
      /tailscale tag/,
    );
  });
});
