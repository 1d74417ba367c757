import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const root = import.meta.dirname;
/** Seconds per file from an earlier run (scripts/test-timings.mjs writes it). */
const timings = JSON.parse(readFileSync(`${root}/test/timings.json`, 'utf8')) as Record<string, number>;
/** What a file not in test/timings.json (a new one) is assumed to take. */
const UNKNOWN_SECONDS = 10;

/**
 * Longest first: with a few workers, the run ends when the last long file does, so the long ones start at
 * once. vitest orders by its cache of past durations, which a fresh clone (CI) does not have; this is that
 * cache, committed. Ties keep vitest's own order.
 */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const seconds = (f: TestSpecification): number => timings[relative(root, f.moduleId).split('\\').join('/')] ?? UNKNOWN_SECONDS;
    return [...(await super.sort(files))].sort((a, b) => seconds(b) - seconds(a));
  }
}

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
    sequence: { sequencer: SlowestFirst },
    globalSetup: ['test/global-setup.ts'],
  },
});
