import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openJournal } from '../../src/memory/index.js';
import { killAll, spawnFixture } from './children.js';
import { durableTargets } from './targets.js';

afterEach(killAll);

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const target of await durableTargets()) {
  describe.skipIf(!target.available)(`crash and resume: ${target.name}`, () => {
    it('a run killed with SIGKILL during step 3 resumes in a new process without repeating work', async () => {
      const { url, cleanup } = target.isolated();
      const dir = mkdtempSync(join(tmpdir(), 'firebreak-crash-'));
      try {
        const runId = `incident-2025-11-14-001-${target.name}`;
        const first = spawnFixture('crash-workflow.mjs', [url, runId, dir, 'crash']);
        await until(() => existsSync(join(dir, 'in-step-3')), 20_000);
        first.process.kill('SIGKILL');
        expect(await first.exited).toBe('SIGKILL');

        const second = spawnFixture('crash-workflow.mjs', [url, runId, dir]);
        expect(await second.exited, second.stderr()).toBe(0);
        expect(JSON.parse(second.stdout())).toEqual({
          errorRate: 0.15,
          rootCause: 'connection pool exhausted (10 of 10 in use)',
          pr: 42,
          prResult: 'duplicate-ignored',
          deploy: 'applied',
          errorRateAfter: 0.001,
        });

        const executions = readFileSync(join(dir, 'executions.log'), 'utf8').trim().split('\n').map((l) => l.split(' '));
        const [p1, p2] = [String(first.process.pid), String(second.process.pid)];
        expect(executions).toEqual([
          ['detect', p1], ['diagnose', p1], ['open_pr', p1], // killed here
          ['open_pr', p2], ['deploy', p2], ['verify', p2], // steps 1-2 replayed from the journal
        ]);
        // Each side effect reached the world exactly once: the re-run of open_pr presented the same key.
        const ledger = readFileSync(join(dir, 'ledger.log'), 'utf8').trim().split('\n');
        expect(ledger.map((l) => l.split(' ')[0])).toEqual(['pr', 'deploy']);

        const journal = await openJournal(url);
        expect(await journal.status(runId)).toMatchObject({ state: 'completed', attempts: 2, steps: 6 });
        await journal.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await cleanup();
      }
    });
  });
}
