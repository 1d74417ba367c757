import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario, type Scenario } from '../../src/drills/scenario.js';
import { mergeConfig } from '../../src/lab/lab-faults.js';
import { providedNames } from '../../src/lab/lab-repo.js';
import { CONFIG_TEST_DEFAULTS, repoTemplateFiles } from '../../src/lab/repo-template/index.js';
import { serviceConfigSchema } from '../../src/lab/target/config.js';
import { tempDir } from './helpers/lab.js';

/** Writes the repo for `config` and runs its test suite the way the backend persona does: `node --test`. */
async function runRepoTests(dir: string, scenario: Scenario, config: Record<string, unknown>): Promise<{ code: number | null; output: string }> {
  const files = repoTemplateFiles({ config, provides: providedNames(scenario), owner: 'acme', repo: 'workflows-api' });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const result = spawnSync(process.execPath, ['--test'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' }, timeout: 30_000 });
  return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

const initial = (s: Scenario): Record<string, unknown> => (s.target.kind === 'builtin' ? s.target.config : {});

describe('service repository template: the config test suite (node --test)', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let n = 0;
  const fresh = (): string => join(tmp.dir, `repo-${++n}`);
  beforeAll(async () => {
    tmp = await tempDir('repo-template');
  });
  afterAll(() => tmp?.cleanup());

  it('mirrors the service schema defaults it checks', () => {
    const d = serviceConfigSchema.parse({});
    expect(CONFIG_TEST_DEFAULTS.pool).toEqual({ size: d.pool.size, acquireTimeoutMs: d.pool.acquireTimeoutMs, maxWaiters: d.pool.maxWaiters, queryLatencyMedianMs: d.pool.queryLatency.medianMs });
    expect(CONFIG_TEST_DEFAULTS.workers).toEqual({ concurrency: d.workers.concurrency, taskTimeoutMs: d.workers.taskTimeoutMs, maxQueueDepth: d.workers.maxQueueDepth, maxAttempts: d.workers.maxAttempts });
    expect(CONFIG_TEST_DEFAULTS.sagas).toEqual({ recoveryEnabled: d.sagas.recovery.enabled, maxRetries: d.sagas.recovery.maxRetries });
    const dep = serviceConfigSchema.parse({ dependency: {} }).dependency;
    expect(CONFIG_TEST_DEFAULTS.dependency).toEqual({ retries: dep?.retries, jitter: dep?.jitter, timeoutMs: dep?.timeoutMs });
  });

  // For each scenario: the incident-prone config fails on exactly the rule its incident breaks, the fix passes.
  const cases: [string, RegExp][] = [
    ['pool-exhaustion', /pool\.size is 10: 60 req\/s .* needs at least 23 connections/],
    ['queue-backlog', /workers\.taskTimeoutMs is null/],
    ['retry-storm', /dependency\.jitter is "none"/],
    ['stuck-sagas', /sagas\.recovery\.enabled is false/],
  ];
  for (const [name, failure] of cases) {
    it(`${name}: the initial config fails the suite, the known fix passes it`, async () => {
      const scenario = await loadScenario(name);
      const broken = await runRepoTests(fresh(), scenario, initial(scenario));
      expect(broken.code, broken.output).not.toBe(0);
      expect(broken.output).toMatch(failure);
      if (scenario.solution?.kind !== 'config') throw new Error('config solution expected');
      const fixed = await runRepoTests(fresh(), scenario, mergeConfig(initial(scenario), scenario.solution.config));
      expect(fixed.code, fixed.output).toBe(0);
      expect(fixed.output).toMatch(/# fail 0/);
    });
  }

  it('bad-deploy: main passes, the bad release fails on the missing startup dependency', async () => {
    const scenario = await loadScenario('bad-deploy');
    const good = await runRepoTests(fresh(), scenario, initial(scenario));
    expect(good.code, good.output).toBe(0);
    if (scenario.fault.kind !== 'bad-release') throw new Error('bad-release expected');
    const bad = await runRepoTests(fresh(), scenario, mergeConfig(initial(scenario), scenario.fault.config));
    expect(bad.code).not.toBe(0);
    expect(bad.output).toMatch(/startup\.requires lists "firestore", which the environment does not provide/);
  });

  // Issue 13's scenarios: the team's own tests never stand in the way of the right response. Main passes
  // after the right response (the solution merged, or the release before the fault restored), so a
  // responder that runs the tests can land it; a bad release that changes the query time fails them.
  for (const name of ['slow-release', 'hotfix-on-bad-release', 'provider-outage', 'worker-capacity', 'saga-retries', 'pool-surge', 'healthy-noise']) {
    it(`${name}: main passes after the right response`, async () => {
      const scenario = await loadScenario(name);
      const after = scenario.solution?.kind === 'config' ? mergeConfig(initial(scenario), scenario.solution.config) : initial(scenario);
      const result = await runRepoTests(fresh(), scenario, after);
      expect(result.code, result.output).toBe(0);
      if (scenario.fault.kind === 'bad-release') {
        const released = await runRepoTests(fresh(), scenario, mergeConfig(initial(scenario), scenario.fault.config));
        expect(released.code).not.toBe(0);
        expect(released.output).toMatch(/pool\.queryLatency is set by the platform/);
      }
    });
  }

  it('pool-surge: the initial pool fails the sizing rule, not the environment rule (the query time is the platform\'s)', async () => {
    const scenario = await loadScenario('pool-surge');
    const broken = await runRepoTests(fresh(), scenario, initial(scenario));
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/pool\.size is 12: 60 req\/s .* needs at least 23 connections/);
    expect(broken.output).not.toMatch(/set by the platform/);
  });

  it('rejects lab simulation knobs: a "fix" that makes the database faster is not a fix', async () => {
    const scenario = await loadScenario('bad-deploy');
    const cheat = await runRepoTests(fresh(), scenario, mergeConfig(initial(scenario), { pool: { queryLatency: { medianMs: 1 } } }));
    expect(cheat.code).not.toBe(0);
    expect(cheat.output).toMatch(/pool\.queryLatency is set by the platform/);
  });
});
