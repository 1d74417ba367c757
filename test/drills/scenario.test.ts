import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios, loadScenario, parseScenario, ROOT_CAUSE_CATEGORIES, ScenarioError, ScenarioNotFoundError, type Scenario } from '../../src/drills/scenario.js';
import { mergeConfig } from '../../src/lab/lab-faults.js';
import { repoTemplateFiles } from '../../src/lab/repo-template/index.js';
import { serviceConfigSchema } from '../../src/lab/target/config.js';
import { scenarioPresets } from '../../src/lab/target/presets.js';
import { tempDir } from '../lab/helpers/lab.js';

const SHIPPED = ['bad-deploy', 'pool-exhaustion', 'queue-backlog', 'retry-storm', 'stuck-sagas'];

/** Every leaf of `subset` has the same value in `value` (arrays compared whole). */
function expectContains(value: unknown, subset: unknown, path = ''): void {
  if (typeof subset === 'object' && subset !== null && !Array.isArray(subset)) {
    for (const [k, v] of Object.entries(subset)) expectContains((value as Record<string, unknown> | undefined)?.[k], v, `${path}.${k}`);
    return;
  }
  expect(value, path).toEqual(subset);
}

const builtinConfig = (s: Scenario): Record<string, unknown> => {
  if (s.target.kind !== 'builtin') throw new Error('builtin target expected');
  return s.target.config;
};

describe('shipped scenarios', () => {
  let scenarios: Scenario[];
  beforeAll(async () => {
    scenarios = await Promise.all(SHIPPED.map((n) => loadScenario(n)));
  });

  it('all load, are listed, and keep durations in ms', async () => {
    const listed = await listScenarios();
    expect(listed.map((s) => s.name)).toEqual(SHIPPED);
    for (const s of scenarios) {
      expect(ROOT_CAUSE_CATEGORIES).toContain(s.expected.category);
      expect(s.limits.detect).toBeGreaterThanOrEqual(30_000);
      expect(s.alerts.some((a) => a.page)).toBe(true);
      expect(s.alerts.every((a) => Number.isInteger(a.for))).toBe(true);
    }
    expect(listed.every((s) => !('expected' in s))).toBe(true);
  });

  it('initial, solution and bad-release configs are valid service configs', () => {
    for (const s of scenarios) {
      const initial = builtinConfig(s);
      expect(serviceConfigSchema.safeParse(initial).success, s.name).toBe(true);
      if (s.solution?.kind === 'config') expect(serviceConfigSchema.safeParse(mergeConfig(initial, s.solution.config)).success, s.name).toBe(true);
      if (s.fault.kind === 'bad-release') expect(serviceConfigSchema.safeParse(mergeConfig(initial, s.fault.config)).success, s.name).toBe(true);
    }
  });

  it('match the lab calibration (src/lab/target/presets.ts): broken config, fix and load', () => {
    const byName = Object.fromEntries(scenarios.map((s) => [s.name, s]));
    const pairs: [string, keyof typeof scenarioPresets][] = [
      ['pool-exhaustion', 'pool-exhaustion'],
      ['queue-backlog', 'task-backlog'],
      ['retry-storm', 'retry-storm'],
      ['stuck-sagas', 'stuck-sagas'],
    ];
    for (const [name, presetName] of pairs) {
      const s = byName[name] as Scenario;
      const preset = scenarioPresets[presetName];
      expectContains(builtinConfig(s), preset.broken, name);
      if (s.solution?.kind !== 'config') throw new Error(`${name}: config solution expected`);
      expectContains(mergeConfig(builtinConfig(s), s.solution.config), preset.fixed, name);
    }
    const bad = byName['bad-deploy'] as Scenario;
    if (bad.fault.kind !== 'bad-release') throw new Error('bad-release expected');
    expectContains(mergeConfig(builtinConfig(bad), bad.fault.config), scenarioPresets['bad-deploy'].broken, 'bad-deploy fault');
    expectContains(builtinConfig(bad), scenarioPresets['bad-deploy'].fixed, 'bad-deploy initial');
    const pool = byName['pool-exhaustion'] as Scenario;
    expect(pool.load.baselineRatePerSec).toBe(scenarioPresets['pool-exhaustion'].world.baselineRatePerSec);
    expect(pool.fault).toMatchObject({ kind: 'traffic', multiplier: scenarioPresets['pool-exhaustion'].world.faultMultiplier });
    const storm = byName['retry-storm'] as Scenario;
    const stormWorld = scenarioPresets['retry-storm'].world;
    expect(storm.load.baselineRatePerSec).toBe(stormWorld.baselineRatePerSec);
    expect(storm.target.kind === 'builtin' && storm.target.dependency).toEqual(stormWorld.dependency);
    expect(storm.fault).toMatchObject({ kind: 'dependency-outage', durationMs: stormWorld.dependencyOutageMs });
    expect((byName['queue-backlog'] as Scenario).fault).toMatchObject({ path: '/api/tasks', ratePerSec: scenarioPresets['task-backlog'].world.baselineRatePerSec });
  });

  it('never leak the scenario name or the expected answer into what personas see (repo, alerts)', () => {
    for (const s of scenarios) {
      const files = Object.values(repoTemplateFiles({ config: builtinConfig(s), provides: ['payments-db'], owner: 'acme', repo: 'workflows-api' })).join('\n');
      const alerts = JSON.stringify(s.alerts.map((a) => [a.name, a.expr, a.summary, a.description, a.labels]));
      for (const secret of [s.name, s.expected.category, s.expected.component]) {
        expect(files.includes(secret), `${s.name}: repo mentions ${secret}`).toBe(false);
        expect(alerts.includes(secret), `${s.name}: alerts mention ${secret}`).toBe(false);
      }
    }
  });
});

describe('scenario validation errors name the file and the field', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let base: Record<string, unknown>;
  beforeAll(async () => {
    tmp = await tempDir('scenarios');
    base = { name: 'x', title: 't', target: { config: {} }, load: { path: '/api/workflows/execute', baselineRatePerSec: 5 }, fault: { kind: 'kill-service', description: 'd' }, alerts: [{ name: 'A', expr: 'up == 0', summary: 's' }], slos: { checks: [{ name: 'up', expr: 'up', op: '>=', threshold: 1 }] }, expected: { category: 'bad-deploy', component: 'deployment' } };
  });
  afterAll(() => tmp?.cleanup());

  const write = async (name: string, text: string): Promise<string> => {
    const file = join(tmp.dir, name);
    await writeFile(file, text);
    return file;
  };

  it('fills defaults and converts duration strings', () => {
    const s = parseScenario({ ...base, warmup: { durationMs: '15s' }, limits: { detect: '2m', verify: 1500 } });
    expect(s.target.kind).toBe('builtin');
    expect(s.warmup).toEqual({ durationMs: 15_000, holdSeconds: 5 });
    expect(s.limits).toMatchObject({ detect: 120_000, verify: 1_500, respond: 300_000 });
  });

  it('rejects unknown fields, bad types and bad service config fields by path', async () => {
    const file = await write('bad-fields.yaml', 'name: bad-fields\ntitle: t\ntarget:\n  config:\n    pool: { sise: 5, size: -1 }\nload: { path: /x, baselineRatePerSec: fast }\nfault: { kind: traffic, description: d, multiplier: 3, ratePerSec: 5 }\nalerts: []\nslos: { checks: [] }\nexpected: { category: gremlins, component: x }\nextra: 1\n');
    const err = await loadScenario(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioError);
    const message = (err as Error).message;
    expect(message).toContain(file);
    for (const field of ['target.config.pool.sise: unknown field', 'target.config.pool.size', 'load.baselineRatePerSec', 'fault.multiplier: give exactly one', 'alerts', 'expected.category', 'extra: unknown field']) {
      expect(message).toContain(field);
    }
  });

  it('reports YAML syntax errors with the file and line', async () => {
    const file = await write('broken.yaml', 'name: broken\ntitle: [unclosed\n');
    await expect(loadScenario(file)).rejects.toThrow(/broken\.yaml: invalid scenario:\n {2}- not valid YAML: .*at line \d+, column \d+/);
  });

  it('checks cross-field rules: dependency faults need a dependency, custom targets need command faults', () => {
    expect(() => parseScenario({ ...base, fault: { kind: 'dependency-outage', description: 'd', durationMs: '3s' } })).toThrow(/target\.dependency: a dependency-outage fault needs target\.dependency/);
    const custom = { kind: 'custom', name: 'my-api', url: 'http://127.0.0.1:8080', logFile: 'app.log', deploy: { command: './deploy.sh' }, repo: { dir: 'repo', name: 'my-api' } };
    expect(() => parseScenario({ ...base, target: custom })).toThrow(/fault\.kind: fault kill-service needs the builtin target/);
    const s = parseScenario({ ...base, target: custom, fault: { kind: 'command', description: 'd', run: { command: './break.sh' } } }, 'inline', '/teams/x');
    expect(s.target).toMatchObject({ kind: 'custom', logFile: '/teams/x/app.log', repo: { dir: '/teams/x/repo' }, deploy: { cwd: '/teams/x', timeoutMs: 120_000 } });
  });

  it('finds scenarios by name in a directory, lists the known ones for an unknown name, and checks the file name', async () => {
    const dir = join(tmp.dir, 'catalog');
    await mkdir(dir);
    await writeFile(join(dir, 'x.yaml'), JSON.stringify(base));
    await writeFile(join(dir, 'y.yaml'), JSON.stringify(base));
    expect((await loadScenario('x', { dir })).name).toBe('x');
    const err = await loadScenario('nope', { dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioNotFoundError);
    expect((err as Error).message).toBe("unknown scenario 'nope' (known: x, y)");
    await expect(loadScenario('y', { dir })).rejects.toThrow(/name: 'x' does not match the file name 'y'/);
  });
});
