import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes, real Prometheus and databases. Most slow files wait (on alerts, verification windows,
    // child processes) rather than compute — a full run keeps 2 cores about half busy — so a third worker
    // shortens the run without starving the others. FIREBREAK_TEST_WORKERS overrides.
    pool: 'forks',
    maxWorkers: Number(process.env.FIREBREAK_TEST_WORKERS ?? 3),
    globalSetup: ['test/global-setup.ts'],
  },
});
