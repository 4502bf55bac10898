import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  DROPLET_PATHS,
  HOST_KEY_FILE,
  renderGatewayUnit,
  renderMonitorUnit,
  renderUserData,
} from '../../cloud-init/index.js';
import { PROVISIONING_HOST_KEY, SECRETS, userDataInput } from './fixture.js';
import { run, scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('cloud-init-user-data');
const userData = renderUserData(userDataInput);

interface WriteFile {
  path: string;
  content: string;
  permissions: string;
}
const writeFiles = (parse(userData) as { write_files: WriteFile[] }).write_files;
const fileAt = (path: string) => writeFiles.find((file) => file.path === path);

describe('user-data', () => {
  it('passes `cloud-init schema`', () => {
    const result = run('cloud-init', ['schema', '--config-file', scratch.write('user-data.yaml', userData)]);
    expect(result.stdout + result.stderr).toContain('Valid cloud-config');
    expect(result.status).toBe(0);
  });

  it('fails `cloud-init schema` when a module gets the wrong shape (the check bites)', () => {
    const broken = userData.replace('package_upgrade: true', 'package_upgrade: "sometimes"');
    expect(broken).not.toBe(userData);
    const result = run('cloud-init', ['schema', '--config-file', scratch.write('broken.yaml', broken)]);
    expect(result.status).toBe(1);
  });

  it('stays under DigitalOcean’s 64 KiB user-data limit', () => {
    const bytes = Buffer.byteLength(userData);
    console.info(`user-data size: ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`);
    expect(bytes).toBeLessThan(64 * 1024);
  });

  it('carries no secret but the provisioning host key: not even the tailnet auth key, which comes over SSH', () => {
    for (const secret of Object.values(SECRETS)) expect(userData).not.toContain(secret.trim());
    expect(userData).not.toMatch(/tskey-/);
    expect(userData.match(/BEGIN OPENSSH PRIVATE KEY/g)).toHaveLength(1);
  });

  it('makes the provisioning key sshd’s only host key', () => {
    const config = parse(userData) as Record<string, unknown>;
    expect(config).toMatchObject({
      ssh_deletekeys: true,
      ssh_genkeytypes: ['ed25519'],
    });
    expect(config.ssh_keys).toEqual({
      ed25519_private: PROVISIONING_HOST_KEY.privateKey,
      ed25519_public: PROVISIONING_HOST_KEY.publicKey,
    });
    const hostKeys = (fileAt(DROPLET_PATHS.sshdDropIn)?.content ?? '').match(/^HostKey .*$/gm);
    expect(hostKeys).toEqual([`HostKey ${HOST_KEY_FILE}`]);
  });

  it('refuses a provisioning host key that is not ed25519', () => {
    const rsa = { ...PROVISIONING_HOST_KEY, publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ' };
    expect(() => renderUserData({ ...userDataInput, provisioningHostKey: rsa })).toThrow(/ssh-ed25519/);
  });

  it('embeds scripts that pass shellcheck', () => {
    const scripts = writeFiles.filter((file) => file.content.startsWith('#!'));
    expect(scripts.map((file) => file.path).sort()).toEqual(
      [DROPLET_PATHS.firstBootScript, DROPLET_PATHS.monitorCli].sort(),
    );
    for (const script of scripts) {
      const result = shellcheck(scratch.write(script.path.replaceAll('/', '_'), script.content));
      expect(result.stdout + result.stderr, script.path).toBe('');
      expect(result.status).toBe(0);
    }
  });

  it('installs the units the unit tests validate, byte for byte', () => {
    expect(fileAt('/etc/systemd/system/openclaw.service')?.content).toBe(
      renderGatewayUnit({ gatewayPort: 18789, stopTimeoutSeconds: 30, standbyMode: 'warm' }),
    );
    expect(fileAt('/etc/systemd/system/openclaw-failover.service')?.content).toBe(
      renderMonitorUnit({ watchdogSeconds: 30, standbyMode: 'warm' }),
    );
  });

  it('hardens sshd with a drop-in that sorts before cloud-init’s own', () => {
    const dropIn = fileAt(DROPLET_PATHS.sshdDropIn)?.content ?? '';
    expect(dropIn).toMatch(/^PermitRootLogin no$/m);
    expect(dropIn).toMatch(/^PasswordAuthentication no$/m);
    expect(dropIn).toMatch(/^AllowUsers failover$/m);
    const dropInName = DROPLET_PATHS.sshdDropIn.split('/').pop() ?? '';
    expect(dropInName < '50-cloud-init.conf').toBe(true);
  });

  it('rejects an empty key list', () => {
    expect(() =>
      renderUserData({ ...userDataInput, admin: { name: 'failover', sshPublicKeys: [] } }),
    ).toThrow(/sshPublicKeys/);
  });
});
