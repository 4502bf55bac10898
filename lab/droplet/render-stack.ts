// Runs the Pulumi program (infra/index.ts) against Pulumi's mock engine, in a process of its own,
// and prints every resource it registers with its inputs (secrets unwrapped) as one JSON
// document: the droplet's user-data and the SSH commands exactly as `pulumi up` would send them.
// Only the providers are mocked; their output-only values are the lab's (the droplet's address on
// the lab link, a tailnet auth key the lab's control stand-in accepts).
//   node --import ./infra/resolve-ts-imports.mjs lab/droplet/render-stack.ts
//   env FG_LAB_STACK = {"config": {key: value}, "secretKeys": [key], "outputs": {type: {prop: value}}}
import * as pulumi from '@pulumi/pulumi';

interface Request {
  project: string;
  config: Record<string, string>;
  secretKeys: string[];
  /** Output-only properties the mocked providers return, by resource type. */
  outputs: Record<string, Record<string, unknown>>;
}

const request = JSON.parse(process.env.FG_LAB_STACK ?? '{}') as Request;

function unwrap(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrap(record.value);
  if (Array.isArray(value)) return value.map(unwrap);
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrap(v)]));
}

const resources: { type: string; name: string; inputs: unknown }[] = [];
pulumi.runtime.setAllConfig(
  Object.fromEntries(Object.entries(request.config).map(([k, v]) => [`${request.project}:${k}`, v])),
  request.secretKeys.map((k) => `${request.project}:${k}`),
);
await pulumi.runtime.setMocks(
  {
    newResource(args) {
      const inputs = unwrap(args.inputs) as Record<string, unknown>;
      resources.push({ type: args.type, name: args.name, inputs });
      return { id: `${args.name}-id`, state: { ...inputs, ...request.outputs[args.type] } };
    },
    call(args) {
      return { id: `${args.token}-id`, ...(unwrap(args.inputs) as object) };
    },
  },
  request.project,
  'lab',
  false,
);

const program = (await import('../../infra/index.js')) as Record<string, unknown>;
const outputs: Record<string, unknown> = {};
for (const [key, value] of Object.entries(program)) {
  outputs[key] = pulumi.Output.isInstance(value) ? await new Promise((done) => value.apply(done)) : value;
}
await pulumi.runtime.disconnect();
process.stdout.write(`${JSON.stringify({ resources, outputs })}\n`);
