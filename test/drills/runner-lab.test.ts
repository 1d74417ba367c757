import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks, leakTerms } from '../../src/drills/blind.js';
import { planFromScenario } from '../../src/drills/plan.js';
import { runDrills } from '../../src/drills/run-many.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/drills/scenario.js';
import type { DrillProgress } from '../../src/drills/phases.js';
import type { DrillResult } from '../../src/drills/types.js';
import { prometheusAvailable } from '../lab/helpers/lab.js';
import { startDrillLab } from '../../src/drills/lab-adapter.js';
import { runDrill } from '../../src/drills/runner.js';
import { knownFixResponder, stubResponder, type Seen } from './stub-responder.js';

// RUNNER TESTS against a real lab (forge, target service, Prometheus, deployer, load). The responder is a
// stub that applies the scenario's known fix through the lab's real tools: these tests check the runner
// (phases, timing, teardown, blindness, reports), not the personas.

const available = prometheusAvailable('drill runner');

/** The lab's forge and deployer URLs from its MCP config, to prove the lab is gone afterwards. */
function labUrls(mcpServers: unknown): string[] {
  const config = mcpServers as { deploy: { url: string }; github: { args: string[] } };
  const api = config.github.args[config.github.args.indexOf('--api-url') + 1]!;
  return [config.deploy.url, api];
}

async function unreachable(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(() => false, () => true);
}

describe.skipIf(!available)('runDrill on a real lab', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'firebreak-drill-run-'));
  });
  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('runs pool-exhaustion end to end with a stub responder: detect, respond, verify, report, tear down', async () => {
    const scenario = await loadScenario('pool-exhaustion');
    if (scenario.target.kind !== 'builtin' || scenario.solution?.kind !== 'config' || scenario.expected.action === 'none') throw new Error('pool-exhaustion should ship a config solution');
    const seen: Seen = { alerts: [], mcpServers: [], services: [], toolArgs: [], toolResults: [] };
    const respond = knownFixResponder({ config: scenario.solution.config, diagnosis: scenario.expected }, seen);
    const progress: DrillProgress[] = [];
    const summary = await runDrills([scenario], { respond, model: 'runner test stub', outDir: out, onProgress: (p) => progress.push(p) });
    const result = summary.results[0]!;

    expect(result.phases.map((p) => [p.phase, p.ok])).toEqual([
      ['start', true], ['warmup', true], ['inject', true], ['detect', true], ['respond', true], ['verify', true], ['teardown', true],
    ]);
    expect(result.reason).toBeUndefined();
    expect(result.passed).toBe(true);
    expect(summary.passed).toBe(true);
    expect(result.score).toMatchObject({ detected: true, localized: true, rootCause: true, mitigated: true, withinLimits: true, toolCalls: 6 });
    expect(result.score.ttdMs).toBeGreaterThan(10_000); // the alert has `for: 10s`
    expect(result.score.ttmMs).toBeGreaterThan(result.score.ttdMs!);
    expect(result.score.sideEffects).toEqual({ pullRequests: 1, merges: 1, deploys: 1, failedDeploys: 0, rollbacks: 0, maintenance: 0 });
    // Harm judged from the lab's own records: the merged and deployed keys are all pool settings.
    expect(result.score.harm).toEqual([]);
    expect(result.score.harmNotChecked).toEqual([]);
    expect(result.model).toBe('runner test stub (no model)');
    expect(result.markers.map((m) => m.kind)).toEqual(['fault', 'alert', 'pr', 'merge', 'deploy', 'recovery']);
    // The chart shows the incident: errors above the alert threshold, then back to ~0.
    const rates = result.series.map((p) => p.errorRate).filter((v): v is number => v !== null);
    expect(Math.max(...rates)).toBeGreaterThan(0.05);
    expect(rates.at(-1)).toBeLessThan(0.01);
    expect(progress.filter((p) => p.status === 'end').map((p) => p.phase)).toEqual(['start', 'warmup', 'inject', 'detect', 'respond', 'verify', 'teardown']);

    // Blind: nothing the responder was handed or exchanged with the tools names the scenario or its category.
    const terms = leakTerms(planFromScenario(scenario));
    expect(terms.all).toEqual(['resource-exhaustion', 'pool-exhaustion']);
    expect(seen.alerts).toHaveLength(1);
    expect(findLeaks(seen, terms.all)).toEqual([]);
    expect(seen.alerts[0]!.labels.alertname).toBe('APIErrorRateHigh');
    expect(seen.services[0]).toMatchObject({ repository: 'acme/workflows-api', baseBranch: 'main', holdSeconds: 10 });
    expect(seen.services[0]!.slos.map((c) => c.name)).toEqual(['error-rate', 'p95-latency-seconds']);

    // Reports on disk.
    const json = JSON.parse(await readFile(join(out, 'pool-exhaustion', 'report.json'), 'utf8')) as DrillResult;
    expect(json.passed).toBe(true);
    expect(await readFile(join(out, 'pool-exhaustion', 'report.html'), 'utf8')).toContain('model: runner test stub (no model)');
    expect(await readFile(join(out, 'pool-exhaustion', 'postmortem.md'), 'utf8')).toContain('## Drill score');
    expect(await readFile(summary.junitFile, 'utf8')).toContain('tests="1" failures="0"');

    // Torn down: the forge and the deployer no longer answer.
    for (const url of labUrls(seen.mcpServers[0])) expect(await unreachable(url), url).toBe(true);
  }, 240_000);

  it('judges harm from the lab\'s own records: follow-up releases, an unrelated merge and deploy, maintenance without a human', async () => {
    const base = await loadScenario('hotfix-on-bad-release');
    const { source: _source, ...raw } = base;
    // A short verify limit: this response is not meant to mitigate.
    const scenario = parseScenario({ ...raw, limits: { ...raw.limits, verify: 15_000 } });
    const respond = stubResponder({
      steps: [
        { kind: 'config', config: { workers: { concurrency: 16 } } },
        { kind: 'maintenance', enabled: true },
      ],
      diagnosis: { category: 'bad-deploy', component: 'deployment' },
    });
    const result = await runDrill(scenario, { respond, model: 'runner test stub' });

    // The fault's follow-up: release 2.4.0 then hotfix 2.4.1, both before the alert.
    const faultDeploys = result.markers.filter((m) => m.label === 'deploy (fault)');
    expect(faultDeploys).toHaveLength(2);
    expect(Date.parse(faultDeploys[1]!.at)).toBeLessThan(Date.parse(result.alertAt!));
    expect(result.score.sideEffects).toMatchObject({ pullRequests: 1, merges: 1, deploys: 1, rollbacks: 0, maintenance: 1 });

    expect(result.passed).toBe(false);
    expect(result.score.harmNotChecked).toEqual([]);
    const harm = result.score.harm;
    expect(harm[0]).toMatch(/^harm: the service ended worse than the response found it: error ratio \d+\.\d% -> 100\.0% \(more than \+2 points and x1\.25\)$/);
    expect(harm).toContain("harm: unrelated settings changed by PR #1 (merged): workers.concurrency — allowed: the fault's own keys: pool.queryLatency.medianMs, pool.size, service.version");
    expect(harm).toContain("harm: unrelated settings deployed (release r3 -> r4): workers.concurrency — allowed: the fault's own keys: pool.queryLatency.medianMs, pool.size, service.version");
    expect(harm).toContain('harm: maintenance mode turned on without a human approval (1 time, 0 approved by a person)');
    // The failed phase stays the headline (it explains "not mitigated"); harm follows it in the reasons.
    expect(result.reason).toMatch(/^verify phase exceeded its 15 s limit: .*error-rate=1\.00/);
    expect(result.score.reasons.slice(1, 1 + harm.length)).toEqual(harm);
    expect(result.score.health?.after.errorRate).toBe(1);
  }, 240_000);

  it('fails at detect with the lab\'s detail when no alert fires within the limit, without calling the responder', async () => {
    const base = await loadScenario('pool-exhaustion');
    const { source: _source, ...raw } = base;
    const scenario: Scenario = parseScenario({
      ...raw,
      name: 'silent-alert',
      warmup: { durationMs: 0, holdSeconds: 0 },
      alerts: [{ name: 'NeverFires', expr: 'vector(0) > 1', summary: 'never fires' }],
      limits: { ...raw.limits, detect: 4_000 },
    });
    let called = false;
    const summary = await runDrills([scenario], {
      respond: async () => {
        called = true;
        throw new Error('the responder must not run');
      },
      outDir: out,
    });
    const result = summary.results[0]!;
    expect(called).toBe(false);
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^detect phase exceeded its 4 s limit: timed out after \d+ ms waiting for an alert \(NeverFires\) to fire/);
    expect(result.phases.map((p) => p.phase)).toEqual(['start', 'warmup', 'inject', 'detect', 'teardown']);
    expect(result.phases.find((p) => p.phase === 'detect')!.timedOut).toBe(true);
    expect(result.phases.at(-1)!.ok).toBe(true);
    expect(result.model).toBe('none');
    expect(result.score).toMatchObject({ detected: false, mitigated: false, withinLimits: false });
    expect(result.series.length).toBeGreaterThan(0);
    expect(await readFile(summary.junitFile, 'utf8')).toContain('<failure message="detect phase exceeded its 4 s limit');
  }, 120_000);

  it('stops the lab when cancelled mid-drill (Ctrl-C) and reports the drill as cancelled', async () => {
    const controller = new AbortController();
    let config: unknown;
    const result = await runDrill(await loadScenario('pool-exhaustion'), {
      respond: async () => Promise.reject(new Error('the responder must not run')),
      signal: controller.signal,
      startLab: async (s, o) => {
        const lab = await startDrillLab(s, o);
        config = lab.mcpServers;
        return lab;
      },
      onProgress: (p) => {
        if (p.phase === 'detect' && p.status === 'start') setTimeout(() => controller.abort(new Error('SIGINT')), 500);
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.reason).toBe('cancelled');
    expect(result.phases.map((p) => [p.phase, p.ok])).toEqual([['start', true], ['warmup', true], ['inject', true], ['detect', false], ['teardown', true]]);
    for (const url of labUrls(config)) expect(await unreachable(url), url).toBe(true);
  }, 120_000);
});
