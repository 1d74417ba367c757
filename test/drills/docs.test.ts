import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planFromScenario } from '../../src/drills/plan.js';
import { loadScenario, ROOT_CAUSE_CATEGORIES } from '../../src/drills/scenario.js';

// docs/drills.md must not drift from the code: its scenario YAML loads, its category list is the schema's.
const docs = fileURLToPath(new URL('../../docs/drills.md', import.meta.url));

describe('docs/drills.md', () => {
  it('has a scenario example that loads and plans', async () => {
    const text = await readFile(docs, 'utf8');
    const yaml = /```yaml\n([\s\S]*?)\n```/.exec(text)![1]!;
    const dir = await mkdtemp(join(tmpdir(), 'firebreak-drill-docs-'));
    try {
      const file = join(dir, 'pool-exhaustion-small.yaml');
      await writeFile(file, yaml);
      const plan = planFromScenario(await loadScenario(file));
      expect(plan).toEqual({
        name: 'pool-exhaustion-small',
        title: 'Connection pool exhaustion under 3x load (small pool)',
        expected: { action: 'diagnose', category: 'resource-exhaustion', component: 'db-pool', settings: ['pool.size', 'pool.acquireTimeoutMs', 'pool.maxWaiters'] },
        faultSettings: [],
        limits: { start: 60_000, warmup: 60_000, detect: 90_000, respond: 300_000, verify: 90_000, mitigate: 360_000 },
        warmupMs: 10_000,
        warmupHoldSeconds: 5,
        recoveryHoldSeconds: 10,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('lists exactly the schema\'s root-cause categories', async () => {
    const text = await readFile(docs, 'utf8');
    const listed = /`ROOT_CAUSE_CATEGORIES`: ([^.]+)\./.exec(text)![1]!.match(/`([a-z-]+)`/g)!.map((s) => s.slice(1, -1));
    expect(listed).toEqual([...ROOT_CAUSE_CATEGORIES]);
  });
});
