import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios, loadScenario, parseScenario, ROOT_CAUSE_CATEGORIES, ScenarioError, ScenarioNotFoundError, type Scenario } from '../../src/drills/scenario.js';
import { mergeConfig } from '../../src/lab/lab-faults.js';
import { repoTemplateFiles } from '../../src/lab/repo-template/index.js';
import { serviceConfigSchema } from '../../src/lab/target/config.js';
import { scenarioPresets } from '../../src/lab/target/presets.js';
import { tempDir } from '../lab/helpers/lab.js';

const SEEDS = ['bad-deploy', 'pool-exhaustion', 'queue-backlog', 'retry-storm', 'stuck-sagas'];
/** Issue 13: incidents the seed runbooks were not written for, and one with nothing broken. */
const NEW = ['healthy-noise', 'hotfix-on-bad-release', 'pool-surge', 'provider-outage', 'saga-retries', 'slow-release', 'worker-capacity'];
const SHIPPED = [...SEEDS, ...NEW].sort();

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
      if (s.expected.action === 'diagnose') expect(ROOT_CAUSE_CATEGORIES).toContain(s.expected.category);
      else expect(s.fault.kind).toBe('none');
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
      // A component that is a name in the service's own world (its dependency, payments-api) is evidence, not a secret.
      const dependency = s.target.kind === 'builtin' ? s.target.dependency?.name : undefined;
      const answer = s.expected.action === 'none' ? [] : [s.expected.category, ...(s.expected.component === dependency ? [] : [s.expected.component])];
      for (const secret of [s.name, ...answer]) {
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

  it('validates the issue-13 fields: follow-up releases, no-fault scenarios, expected settings, solutions', () => {
    const release = { kind: 'bad-release', description: 'd', config: { service: { version: '2.0.0' } } };
    const s = parseScenario({ ...base, fault: { ...release, followUps: [{ config: { pool: { size: 48 } }, message: 'Hotfix', afterMs: '10s' }] }, expected: { category: 'bad-deploy', component: 'deployment', settings: ['pool.size'] }, solution: { kind: 'rollback', description: 'r' } });
    expect(s.fault).toMatchObject({ followUps: [{ afterMs: 10_000, message: 'Hotfix' }] });
    expect(s.expected).toEqual({ action: 'diagnose', category: 'bad-deploy', component: 'deployment', settings: ['pool.size'] });
    expect(s.solution).toEqual({ kind: 'rollback', description: 'r', to: 'known-good' });
    expect(parseScenario({ ...base, expected: { category: 'bad-deploy', component: 'deployment' } }).expected).toMatchObject({ settings: [] });
    // A parsed scenario parses again (tests spread a loaded scenario into a new one).
    const { source: _source, ...again } = s;
    expect(parseScenario(structuredClone(again)).expected).toEqual(s.expected);

    const none = parseScenario({ ...base, fault: { kind: 'none', description: 'nothing' }, expected: { action: 'none' }, solution: { kind: 'none', description: 'n' } });
    expect(none.expected).toEqual({ action: 'none' });

    const bad = (over: Record<string, unknown>): string => {
      try {
        parseScenario({ ...base, ...over }, 'inline');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    expect(bad({ fault: { ...release, followUps: [{ config: { pool: { sise: 1 } }, message: 'm', afterMs: 5 }] } })).toContain('fault.followUps.0.config.pool.sise: unknown field');
    expect(bad({ fault: { ...release, followUps: [{ config: {}, message: 'a', afterMs: '10s' }, { config: {}, message: 'b', afterMs: '5s' }] } })).toContain('fault.followUps.1.afterMs: must not be earlier than followUps.0.afterMs (10000 ms)');
    expect(bad({ expected: { category: 'bad-deploy', component: 'deployment', settings: ['pool.sise'] } })).toContain("expected.settings.0: 'pool.sise' is not a service.config.json setting");
    expect(bad({ expected: { category: 'bad-deploy', component: 'deployment', settings: ['Pool Size'] } })).toContain('expected.settings.0: a dotted config key');
    expect(bad({ expected: { action: 'none', category: 'bad-deploy' } })).toContain('expected.category: not allowed with action: none');
    expect(bad({ expected: { component: 'deployment' } })).toContain('expected.category: required');
    expect(bad({ fault: { kind: 'none', description: 'n' } })).toContain('expected: a scenario with no fault expects no action');
    expect(bad({ expected: { action: 'none' }, solution: { kind: 'wait', description: 'w' } })).toContain('solution.kind: expected action none: the only right response is solution kind none, not wait');
    expect(bad({ solution: { kind: 'none', description: 'n' } })).toContain('solution.kind: solution none goes with expected: { action: none }');
    expect(bad({ solution: { kind: 'rollback', description: 'r' } })).toContain('solution.kind: a rollback solution needs a bad-release fault');
    expect(bad({ solution: { kind: 'rollback', description: 'r', to: 'r1' } })).toContain('solution.to');
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
