import { configDefaults, defineConfig } from 'vitest/config';

// The droplet suites boot a whole system (cloud-init, npm install, real gateways) and run on their
// own after the rest, so nothing competes with them for the 2 cores, picked by FG_SUITE:
// `container` (then `vm`, the last steps of npm test; alone: npm run test:droplet, npm run test:vm).
const suites: Record<string, string[]> = {
  container: ['test/droplet/container.test.ts', 'test/droplet/cold-standby.test.ts'],
  vm: ['test/droplet/vm.test.ts'],
};
const suite = process.env.FG_SUITE;
if (suite !== undefined && !(suite in suites))
  throw new Error(`FG_SUITE must be one of ${Object.keys(suites)}`);

export default defineConfig({
  test: {
    include: suite === undefined ? ['test/**/*.test.ts'] : (suites[suite] ?? []),
    exclude: suite === undefined ? [...configDefaults.exclude, 'test/droplet/**'] : configDefaults.exclude,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real processes, real gateways: files run in parallel, but only two at a time on 2 cores; the
    // droplet suites' files one at a time (each boots a whole system).
    maxWorkers: suite === undefined ? 2 : 1,
  },
});
