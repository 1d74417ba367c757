import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Tests that start real child processes (CLI, MCP servers over stdio, the lab's target service) run the
// compiled JavaScript in dist/, exactly as a user would. Build once before any test file runs. Type errors
// are reported here but do not stop the run (tsc still emits); `npm run typecheck` is the gate for them.
export default function setup(): void {
  if (process.env.FIREBREAK_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) process.stderr.write(`[global-setup] tsc reported errors:\n${result.stdout}${result.stderr}\n`);
  // The bin must be executable for `npx firebreak` (npm only sets the mode when installing a dependency).
  const bin = `${root}/dist/cli/main.js`;
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
