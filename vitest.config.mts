import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real processes, real gateways: files run in parallel, but only two at a time on 2 cores.
    maxWorkers: 2,
  },
});
