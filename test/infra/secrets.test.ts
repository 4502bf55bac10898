import { beforeAll, describe, expect, it } from 'vitest';
import {
  onlyResourceOfType,
  type ProgramRun,
  type RecordedResource,
  runProgram,
  SECRET_NEEDLES,
  SECRETS,
  TYPES,
} from './program.js';

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram();
});

/** Every plain (non-secret) input value of a resource, as text. */
function plainInputs(resource: RecordedResource): string {
  const plain = Object.entries(resource.inputs).filter(([key]) => !resource.secretInputs.has(key));
  return JSON.stringify(Object.fromEntries(plain));
}

describe('secrets', () => {
  it('are pushed: the user-data carries none, only the single-use tailnet key', () => {
    const userData = String(onlyResourceOfType(run, TYPES.droplet).inputs.userData);
    for (const needle of SECRET_NEEDLES) expect(userData).not.toContain(needle);
  });

  it('appear in no plain input of any resource, command lines included', () => {
    expect(run.resources.length).toBeGreaterThan(8);
    for (const resource of run.resources) {
      for (const needle of SECRET_NEEDLES) expect(plainInputs(resource), resource.name).not.toContain(needle);
    }
  });

  it('travel on the push command stdin, which is secret', () => {
    const push = run.resources.find((resource) => resource.name.endsWith('-push'));
    expect(push?.secretInputs.has('stdin')).toBe(true);
    expect(push?.secretInputs.has('triggers')).toBe(true);
    const staged = Buffer.from(
      /gateway\.env <<'STAGED'\n([\s\S]*?)\nSTAGED/.exec(String(push?.inputs.stdin))?.[1] ?? '',
      'base64',
    ).toString();
    expect(staged).toContain(`TELEGRAM_BOT_TOKEN="${SECRETS.channelToken}"`);
    expect(staged).toContain('ANTHROPIC_API_KEY="sk-ant-test-9c1e4d"');
  });

  it('appear in no stack output, and no output is a secret', () => {
    for (const [name, output] of Object.entries(run.outputs)) {
      expect(output.secret, name).toBe(false);
      for (const needle of SECRET_NEEDLES) expect(JSON.stringify(output.value), name).not.toContain(needle);
    }
  });
});
