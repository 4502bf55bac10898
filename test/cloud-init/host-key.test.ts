// The host-key rotation as text: its script passes shellcheck and the command's stdout is the new
// public key alone (what the deploy pins). The lab runs it for real against sshd under systemd.
import { describe, expect, it } from 'vitest';
import {
  HOST_KEY_FILE,
  renderHostKeyRotation,
  renderHostKeyRotationScript,
  shellQuote,
} from '../../cloud-init/index.js';
import { scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('host-key');

describe('the host-key rotation', () => {
  it('passes shellcheck', () => {
    const result = shellcheck(scratch.write('rotate.sh', renderHostKeyRotationScript()));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('prints only the new public key: the script’s own output goes to stderr', () => {
    expect(renderHostKeyRotation()).toBe(
      `sudo sh -c ${shellQuote(renderHostKeyRotationScript())} >&2 && cat ${HOST_KEY_FILE}.pub`,
    );
  });
});
