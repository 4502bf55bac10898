// Bundles the monitor into one self-contained ES module that runs with plain Node and no
// node_modules: that single file is what ships to the standby droplet.
import { chmod, readFile } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('package.json', import.meta.url), 'utf8'));
const outfile = new URL('dist/openclaw-failover.mjs', import.meta.url).pathname;

const result = await build({
  entryPoints: [new URL('src/cli.ts', import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  define: { MONITOR_VERSION: JSON.stringify(pkg.version) },
  // pino and its helpers are CommonJS and call require() for Node built-ins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
});
await chmod(outfile, 0o755);
const bytes =
  result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith('.mjs'))].bytes;
console.log(`built ${outfile} (${(bytes / 1024).toFixed(0)} KiB)`);
