// The lab's stack: a real stack config (Pulumi.yaml's defaults plus the lab's values), run through
// the Pulumi program under mocks (render-stack.ts), and what came out of it: the droplet's
// user-data and the SSH steps of the deployment, exactly as the program produced them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT = 'failover-gateway';

interface Declaration {
  type: string;
  default?: unknown;
  secret?: boolean;
  description?: string;
}

export interface RenderedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Connection {
  host: string;
  user: string;
  privateKey?: string;
  hostKey?: string;
}

/** One step of the deployment, in the order the program registered it. */
export type DeployStep = (
  | {
      kind: 'command';
      connection: Connection;
      create?: string;
      delete?: string;
      stdin?: string;
    }
  | { kind: 'copy'; connection: Connection; source: string; remotePath: string }
  /** A command run where `pulumi` runs (the user's machine), with its environment. */
  | { kind: 'local'; delete?: string; environment: Record<string, string> }
) & {
  name: string;
  /** Every input but the connection, as text: a step runs again only when this changed. */
  identity: string;
};

export interface RenderedStack {
  config: Record<string, string>;
  resources: RenderedResource[];
  outputs: Record<string, unknown>;
  userData: string;
  steps: DeployStep[];
}

function declarations(): Record<string, Declaration> {
  return (parse(readFileSync(`${ROOT}Pulumi.yaml`, 'utf8')) as { config: Record<string, Declaration> })
    .config;
}

/** The keys `pulumi config set --secret` stores encrypted: those declared secret, and the optional secrets. */
export function secretKeys(): string[] {
  return Object.entries(declarations())
    .filter(([, d]) => d.secret === true || /^Secret\./.test(d.description ?? ''))
    .map(([key]) => key);
}

function defaults(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(declarations())
      .filter(([, d]) => d.default !== undefined)
      .map(([key, d]) => [key, typeof d.default === 'string' ? d.default : JSON.stringify(d.default)]),
  );
}

/** Runs the program under mocks with the defaults, then `values` on top; output-only values by type. */
export function renderStack(
  values: Record<string, string>,
  outputs: Record<string, Record<string, unknown>>,
): RenderedStack {
  const config = { ...defaults(), ...values };
  const request = { project: PROJECT, config, secretKeys: secretKeys(), outputs };
  const stdout = execFileSync(
    process.execPath,
    ['--import', './infra/resolve-ts-imports.mjs', 'lab/droplet/render-stack.ts'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, FG_LAB_STACK: JSON.stringify(request) },
      maxBuffer: 64 << 20,
    },
  );
  const { resources, outputs: stackOutputs } = JSON.parse(stdout) as {
    resources: RenderedResource[];
    outputs: Record<string, unknown>;
  };
  const droplets = resources.filter((r) => r.type === 'digitalocean:index/droplet:Droplet');
  if (droplets.length !== 1) throw new Error(`expected one droplet, the program made ${droplets.length}`);
  const userData = droplets[0]?.inputs.userData;
  if (typeof userData !== 'string') throw new Error('the droplet has no user-data');
  return { config, resources, outputs: stackOutputs, userData, steps: deploySteps(resources) };
}

function deploySteps(resources: RenderedResource[]): DeployStep[] {
  const steps: DeployStep[] = [];
  for (const { type, name, inputs } of resources) {
    const { connection: rawConnection, ...rest } = inputs;
    const connection = rawConnection as Connection;
    const identity = JSON.stringify(rest);
    if (type === 'command:remote:Command') {
      steps.push({
        kind: 'command',
        name,
        connection,
        identity,
        create: inputs.create as string | undefined,
        delete: inputs.delete as string | undefined,
        stdin: inputs.stdin as string | undefined,
      });
    } else if (type === 'command:local:Command') {
      steps.push({
        kind: 'local',
        name,
        identity,
        delete: inputs.delete as string | undefined,
        environment: (inputs.environment ?? {}) as Record<string, string>,
      });
    } else if (type === 'command:remote:CopyToRemote') {
      const source = inputs.source as { path?: string };
      if (source.path === undefined) throw new Error(`${name}: only file assets are supported by the lab`);
      steps.push({
        kind: 'copy',
        name,
        connection,
        identity,
        source: source.path,
        remotePath: inputs.remotePath as string,
      });
    }
  }
  return steps;
}
