// Writes test/timings.json — seconds per test file, from a vitest JSON report — which vitest.config.ts uses
// to start the slowest files first (a fresh clone has no vitest cache to order by).
//   npm test -- --reporter=json --outputFile.json=.firebreak/vitest.json && node scripts/test-timings.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const report = JSON.parse(readFileSync(resolve(root, process.argv[2] ?? '.firebreak/vitest.json'), 'utf8'));
const timings = Object.fromEntries(
  report.testResults
    .map((t) => [relative(root, t.name).split('\\').join('/'), Math.round((t.endTime - t.startTime) / 100) / 10])
    .sort((a, b) => b[1] - a[1]),
);
writeFileSync(resolve(root, 'test/timings.json'), `${JSON.stringify(timings, null, 1)}\n`);
console.log(`test/timings.json: ${Object.keys(timings).length} files`);
