import { describe, expect, it } from 'vitest';
import {
  DROPLET_PATHS,
  type FirstBootInput,
  renderCliWrapper,
  renderDeployScript,
  renderFirstBootScript,
  renderGatewayEnv,
  shellQuote,
} from '../../cloud-init/index.js';
import { deployScriptInput, gatewayEnvInput, SECRETS, userDataInput } from './fixture.js';
import { run, scratchDir, shellcheck } from './validators.js';

const scratch = scratchDir('cloud-init-scripts');

function firstBootInput(channel: 'discord' | 'telegram'): FirstBootInput {
  const { admin, gatewayPort, node, openclaw, standbyMode } = userDataInput;
  return {
    standbyMode,
    adminUser: admin.name,
    gatewayPort,
    node,
    openclaw: { ...openclaw, channel },
  };
}
const firstBootFor = (channel: 'discord' | 'telegram') => renderFirstBootScript(firstBootInput(channel));

describe('shellQuote', () => {
  const awkward = ['plain', '', 'two words', "it's", '$(touch /tmp/x)', '`id`', 'a\\b', '"q"', '*', 'ü \t!'];
  it.each(awkward)('bash reads %j back unchanged', (value) => {
    const result = run('bash', ['-c', `printf '%s' ${shellQuote(value)}`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(value);
  });

  it('leaves plain words readable and rejects NUL', () => {
    expect(shellQuote('/opt/node/bin/node')).toBe('/opt/node/bin/node');
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('shellcheck', () => {
  const scripts: Record<string, string> = {
    'first-boot-discord.sh': firstBootFor('discord'),
    'first-boot-telegram.sh': firstBootFor('telegram'),
    'deploy-full.sh': renderDeployScript(deployScriptInput),
    'first-boot-cold.sh': renderFirstBootScript({ ...firstBootInput('telegram'), standbyMode: 'cold' }),
    'deploy-minimal.sh': renderDeployScript({
      monitorWatchdogSeconds: 30,
      primaryToken: false,
      ownerDmToken: false,
      standbyMode: 'cold',
    }),
    'openclaw-failover-cli.sh': renderCliWrapper(),
  };
  it.each(Object.keys(scripts))('%s is clean', (name) => {
    const result = shellcheck(scratch.write(name, scripts[name] ?? ''));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the rendered scripts parse as bash (bash -n)', () => {
    for (const [name, script] of Object.entries(scripts)) {
      expect(run('bash', ['-n', scratch.write(name, script)]).status, name).toBe(0);
    }
  });
});

describe('first-boot script', () => {
  it('preinstalls the Discord plugin pinned to the OpenClaw version, and nothing for Telegram', () => {
    expect(firstBootFor('discord')).toContain('plugins install @openclaw/discord@2026.9.6 --pin');
    expect(firstBootFor('telegram')).not.toContain('plugins install');
  });

  it('verifies the Node tarball against the pinned checksum before unpacking it', () => {
    const script = firstBootFor('discord');
    const check = script.indexOf(`${userDataInput.node.sha256}  `);
    expect(check).toBeGreaterThan(0);
    expect(script.indexOf('sha256sum --check')).toBeGreaterThan(check);
    expect(script.indexOf('tar -xJf')).toBeGreaterThan(script.indexOf('sha256sum --check'));
  });

  it('guards only what quoting cannot keep in place: a checksum line', () => {
    const input = firstBootInput('discord');
    expect(() =>
      renderFirstBootScript({ ...input, node: { ...input.node, sha256: `${input.node.sha256}\nabc  /x` } }),
    ).toThrow(/sha256/);
  });

  it('quotes every version where it lands, so a bad one cannot run a command', () => {
    const input = firstBootInput('telegram');
    const script = renderFirstBootScript({
      ...input,
      node: { ...input.node, version: '24.21.0$(reboot)' },
      openclaw: { ...input.openclaw, version: '2026.9.6`reboot`' },
    });
    // Each occurrence sits inside a single-quoted word: an odd number of quotes before it on its line.
    for (const needle of ['$(reboot)', '`reboot`']) {
      const lines = script.split('\n').filter((line) => line.includes(needle));
      expect(lines.length, needle).toBeGreaterThan(0);
      for (const line of lines) {
        const quotesBefore = line.slice(0, line.indexOf(needle)).split("'").length - 1;
        expect(quotesBefore % 2, line).toBe(1);
      }
    }
    // shellcheck agrees: its only remarks are that those expressions do not expand.
    const findings = shellcheck(scratch.write('first-boot-odd-versions.sh', script)).stdout;
    expect(findings.match(/SC\d+/g)?.every((code) => code === 'SC2016')).toBe(true);
  });
});

/** The warm deploy's conditional restart of the gateway, as rendered. */
function restartForSecrets(script: string): string {
  const block = /^if \[\[ "\$gateway_env_changed" == 1 \]\][\s\S]*?\nfi\n/m.exec(script)?.[0];
  if (!block) throw new Error('the warm deploy script has no restart for new secrets');
  return block;
}

describe('deploy script', () => {
  const script = renderDeployScript(deployScriptInput);

  it('restarts the monitor and never stops or restarts the gateway; cold, it never starts it either', () => {
    const cold = renderDeployScript({ ...deployScriptInput, standbyMode: 'cold' });
    // Warm, its one restart is for new secrets while the channel is off, not serving (tested below).
    const warmOtherwise = script.replace(restartForSecrets(script), '');
    for (const text of [warmOtherwise, cold]) {
      expect(text).toContain('systemctl restart openclaw-failover.service');
      expect(text).not.toMatch(
        /systemctl\s+(stop|restart|try-restart|reload-or-restart)\s+openclaw\.service/,
      );
    }
    expect(cold).not.toMatch(/systemctl\s+start\s+openclaw\.service/);
  });

  it.each([
    [
      'new secrets, channel off',
      '1',
      false,
      ['is-active --quiet openclaw.service', 'restart openclaw.service'],
    ],
    ['new secrets, channel serving', '1', true, ['is-active --quiet openclaw.service']],
    ['same secrets', '0', false, []],
  ])('warm, restarts the gateway for %s only when it does not serve', (_case, changed, serving, calls) => {
    const switchFile = scratch.write(`switch-${changed}-${serving}.json`, `{"enabled":${serving}}\n`);
    const snippet = restartForSecrets(script).replaceAll(DROPLET_PATHS.channelSwitch, switchFile);
    const stubs = 'log() { :; }\nsystemctl() { echo "$*"; }\n';
    const result = run('bash', ['-c', `${stubs}gateway_env_changed=${changed}\n${snippet}`]);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter((l) => l !== '')).toEqual(calls);
  });

  it('warm, it starts the gateway (a no-op when it runs) and installs its token for the monitor only', () => {
    expect(script).toMatch(/^systemctl start openclaw\.service$/m);
    expect(script).toContain(
      'install -m 0640 -o root -g openclaw-failover "$staging/standby-gateway-token" /etc/openclaw-failover/standby-gateway-token',
    );
  });

  it('clones the workspace as the monitor user, once', () => {
    expect(script).toMatch(/if \[\[ ! -d \/srv\/openclaw-workspace\/\.git \]\]/);
    expect(script).toContain('runuser -u openclaw-failover');
    expect(script).toContain('StrictHostKeyChecking=accept-new');
    expect(script).toContain('--branch main -- git@github.com:example-org/agent-workspace.git');
  });

  it('carries no secret: the secrets arrive as staged files', () => {
    for (const secret of Object.values(SECRETS)) expect(script).not.toContain(secret);
  });
});

describe('gateway env file', () => {
  it('bash reads every secret back unchanged (same double-quote escapes as systemd)', () => {
    const file = scratch.write('gateway.env', renderGatewayEnv(gatewayEnvInput('discord')));
    const result = run('bash', [
      '-c',
      'set -a; . "$1"; printf "%s\\n" "$DISCORD_BOT_TOKEN" "$OPENCLAW_GATEWAY_TOKEN" "$ANTHROPIC_API_KEY" "$OPENAI_API_KEY"',
      'bash',
      file,
    ]);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').slice(0, 4)).toEqual([
      SECRETS.discordToken,
      SECRETS.gatewayToken,
      SECRETS.anthropicKey,
      SECRETS.openaiKey,
    ]);
  });

  it('rejects multi-line values and names the env file cannot carry', () => {
    expect(() => renderGatewayEnv({ ...gatewayEnvInput('telegram'), gatewayToken: 'a\nb' })).toThrow(
      /single line/,
    );
    expect(() =>
      renderGatewayEnv({ ...gatewayEnvInput('telegram'), modelApiKeys: { 'bad-name': 'x' } }),
    ).toThrow(/bad-name/);
  });
});
