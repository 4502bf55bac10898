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

/** Plain values: secrets unwrapped, a file asset as `{ path }` (its path is a promise). */
async function unwrap(value: unknown): Promise<unknown> {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof pulumi.asset.FileAsset) return { path: await value.path };
  const record = value as Record<string, unknown>;
  if (record[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrap(record.value);
  if (Array.isArray(value)) return Promise.all(value.map(unwrap));
  const entries = await Promise.all(Object.entries(record).map(async ([k, v]) => [k, await unwrap(v)]));
  return Object.fromEntries(entries);
}

const resources: { type: string; name: string; inputs: unknown }[] = [];
pulumi.runtime.setAllConfig(
  Object.fromEntries(Object.entries(request.config).map(([k, v]) => [`${request.project}:${k}`, v])),
  request.secretKeys.map((k) => `${request.project}:${k}`),
);
await pulumi.runtime.setMocks(
  {
    async newResource(args) {
      const inputs = (await unwrap(args.inputs)) as Record<string, unknown>;
      resources.push({ type: args.type, name: args.name, inputs });
      return { id: `${args.name}-id`, state: { ...inputs, ...request.outputs[args.type] } };
    },
    async call(args) {
      return { id: `${args.token}-id`, ...((await unwrap(args.inputs)) as object) };
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
