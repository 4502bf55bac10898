// The drill runs the built monitor bundle, exactly what ships to the droplet: rebuild it when it is
// missing or older than anything it is built from, so the drill never shows stale behaviour.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BUNDLE } from '../../lab/bundle.js';
import { step } from './output.js';

function newestMtimeMs(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, entry)));
  return newest;
}

/** Why the bundle needs a build, or undefined when it is up to date. */
function staleReason(root: string): string | undefined {
  let built: number;
  try {
    built = statSync(BUNDLE).mtimeMs;
  } catch {
    return 'it is missing';
  }
  const monitor = join(root, 'monitor');
  const inputs = ['src', 'build.mjs', 'package.json'].map((name) => join(monitor, name));
  const changed = inputs.find((input) => newestMtimeMs(input) > built);
  return changed && `${relative(root, changed)} changed since the last build`;
}

/** Builds the bundle if needed; the build's own output goes to stderr. Returns what it did. */
export async function ensureBundle(root: string): Promise<string> {
  const reason = staleReason(root);
  const bundle = relative(root, BUNDLE);
  if (reason === undefined) return `monitor bundle ${bundle} is up to date`;
  step(`building the monitor bundle (${reason})…`);
  const build = spawn('npm', ['run', 'build', '-w', 'openclaw-failover'], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    build.once('error', reject);
    build.once('close', resolve);
  });
  if (code !== 0)
    throw new Error(`building the monitor bundle failed (npm run build -w openclaw-failover exit ${code})`);
  return `monitor bundle ${bundle} built`;
}
