// Runs every bench/*.bench.ts in sequence, each in its own Node process (so one benchmark's heap and JIT
// state cannot colour the next), with --expose-gc for accurate heap figures and without node:sqlite's
// ExperimentalWarning. Usage: `npm run bench` (builds first), or `node bench/run.ts [filter]` to run only
// files whose name contains `filter`. A benchmark that runs past FIREBREAK_BENCH_TIMEOUT_MS (default 20 min)
// is stopped and counted as failed, so a hung one cannot hang CI.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && f.includes(filter)).sort();
if (files.length === 0) {
  process.stderr.write(`no bench/*.bench.ts matching '${filter}'\n`);
  process.exit(1);
}
const timeoutMs = Number(process.env.FIREBREAK_BENCH_TIMEOUT_MS ?? 20 * 60_000);
const flags = ['--expose-gc', '--disable-warning=ExperimentalWarning'];
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n=== ${file}\n`);
  const result = spawnSync(process.execPath, [...flags, fileURLToPath(new URL(file, import.meta.url))], { stdio: 'inherit', timeout: timeoutMs, killSignal: 'SIGTERM' });
  if (result.status !== 0) {
    failed++;
    process.stderr.write(`${file} failed (exit ${result.status ?? result.signal})\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
