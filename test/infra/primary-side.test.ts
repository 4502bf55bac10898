// The opt-in primary side under Pulumi's mocks: off by default; on, one SSH step to the primary
// with its host key pinned, installing the workspace push and removing it at destroy; bad or
// missing keys fail at preview naming them.
import { describe, expect, it } from 'vitest';
import { renderPrimarySideInstall } from '../../cloud-init/primary-side.js';
import { PROJECT, type ProgramRun, runProgram, TYPES } from './program.js';

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHByaW1hcnlob3N0a2V5MDAwMDAwMDAwMDAw';
const PRIMARY_KEY_BODY = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUprimarysshkey';
const OPT_IN = {
  primarySshHost: 'primary.example.net',
  primarySshUser: 'openclaw',
  primarySshHostKey: HOST_KEY,
  primarySshPrivateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${PRIMARY_KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n`,
};

const primarySteps = (run: ProgramRun) =>
  run.resources.filter((r) => r.type === TYPES.command && r.name.endsWith('-primary-side-workspace-push'));

async function failureOf(config: Record<string, string | undefined>): Promise<string> {
  const error = await runProgram(config).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof Error)) throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
  return error.message;
}

describe('the primary side', () => {
  it('is off by default: nothing connects to the primary', async () => {
    expect(primarySteps(await runProgram())).toEqual([]);
  });

  it("installs the push over SSH as the primary's user, its host key pinned, its private key secret", async () => {
    const [step, ...more] = primarySteps(await runProgram(OPT_IN));
    expect(more).toEqual([]);
    expect(step?.inputs.connection).toMatchObject({
      host: 'primary.example.net',
      port: 22,
      user: 'openclaw',
      hostKey: HOST_KEY,
      privateKey: OPT_IN.primarySshPrivateKey,
    });
    expect(step?.secretInputs.has('connection')).toBe(true);
    const install = renderPrimarySideInstall({
      workspacePath: '~/.openclaw/workspace',
      openclawConfigPath: '~/.openclaw/openclaw.json',
      pushIntervalSeconds: 30,
      standbyBotId: '700123456',
      workspaceRepo: 'git@github.com:me/agent-workspace.git',
    });
    expect(step?.inputs).toMatchObject({ create: 'bash -s', update: 'bash -s', stdin: install });
    // The bot's id goes to the primary, never its token.
    expect(JSON.stringify(step?.inputs)).not.toContain('channel-token');
    expect(String(step?.inputs.delete)).toContain(
      'systemctl --user disable -q --now openclaw-workspace-push.timer',
    );
    expect(step?.registration.deletebeforereplace).toBe(true);
  });

  it('uses the ssh-agent without a private key, and the configured port, path and interval', async () => {
    const [step] = primarySteps(
      await runProgram({
        ...OPT_IN,
        primarySshPrivateKey: '',
        primarySshPort: '2222',
        primaryWorkspacePath: '/srv/openclaw/workspace',
        primaryPushIntervalSeconds: '15',
      }),
    );
    expect(step?.inputs.connection).not.toHaveProperty('privateKey');
    expect(step?.inputs.connection).toMatchObject({ port: 2222 });
    expect(String(step?.inputs.stdin)).toContain('ws=/srv/openclaw/workspace');
    expect(String(step?.inputs.stdin)).toContain('OnUnitActiveSec=15');
  });

  it.each([
    [{ primarySshUser: undefined }, 'primarySshUser is required when primarySshHost is set'],
    [{ primarySshHostKey: undefined }, 'primarySshHostKey is required when primarySshHost is set'],
    [{ workspaceRepo: '' }, 'workspaceRepo is required when primarySshHost is set'],
    [{ primarySshHostKey: 'AAAA' }, 'primarySshHostKey must be empty or the primary'],
    [{ primaryWorkspacePath: 'workspace' }, 'primaryWorkspacePath must be an absolute path'],
    [{ primaryPushIntervalSeconds: '2' }, 'primaryPushIntervalSeconds must be an integer from 5 to 3600'],
    [{ primarySshHost: 'not a host' }, 'primarySshHost must be empty or an IP address or DNS name'],
  ])('refuses %j at preview, naming the key', async (change, message) => {
    const config = { ...OPT_IN, ...change };
    const present = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v ?? '']));
    expect(await failureOf(present)).toContain(`${PROJECT}:${message}`);
  });
});
