import { configDefaults, defineConfig } from 'vitest/config';

// The VM suite (test/droplet/vm.test.ts) takes 10–20 min under TCG: `npm run test:vm` runs it.
const vmSuite = 'test/droplet/vm.test.ts';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: process.env.FG_VM_SUITE ? configDefaults.exclude : [...configDefaults.exclude, vmSuite],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real processes, real gateways: files run in parallel, but only two at a time on 2 cores.
    maxWorkers: 2,
  },
});
