import { existsSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../src/drills/scenario.js';
import { mergeConfig } from '../../src/lab/lab-faults.js';
import { LabStartError } from '../../src/lab/lab-errors.js';
import { startLab } from '../../src/lab/lab.js';
import { toJsonFile } from '../../src/lab/repo-template/index.js';
import { connectTools, type ServerEntry, type ToolHost } from '../../src/tools/host/index.js';
import { resultText } from '../../src/tools/types.js';
import { prometheusAvailable } from './helpers/lab.js';
import { descendants } from './helpers/processes.js';


const alive = (pids: readonly number[]): number[] =>
  pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });

const silent = pino({ level: 'silent' });

describe.skipIf(!prometheusAvailable('lab pool-exhaustion'))('startLab(pool-exhaustion): the drill world end to end', () => {
  it('baseline healthy; inject -> the alert fires; evidence and the fix flow through the lab\'s MCP servers -> SLOs hold; stop leaves nothing', async () => {
    const scenario = await loadScenario('pool-exhaustion');
    const before = new Set(descendants());
    const lab = await startLab(scenario, { logger: silent });
    const labProcesses = descendants().filter((p) => !before.has(p));
    let tools: ToolHost | undefined;
    try {
      expect(labProcesses.length).toBeGreaterThanOrEqual(3); // prometheus, the service, the baseline load
      expect(Object.keys(lab.mcpServers).sort()).toEqual(['deploy', 'github', 'grafana', 'sandbox']);
      expect(JSON.stringify(lab.mcpServers)).not.toContain(scenario.name);
      expect(lab.mcpServers.deploy).toEqual({ type: 'http', url: lab.urls.deploy });

      const baseline = await lab.waitForSlos({ holdSeconds: 3, timeoutMs: 40_000 });
      expect(baseline.ok).toBe(true);

      const injection = await lab.inject();
      expect(injection.kind).toBe('traffic');
      const alert = await lab.waitForAlert({ timeoutMs: 90_000 });
      expect(alert.state).toBe('firing');
      expect(alert.labels).toMatchObject({ alertname: 'APIErrorRateHigh', severity: 'critical', service: 'workflows-api' });
      expect(Number(alert.value)).toBeGreaterThan(0.05);
      expect((await lab.checkSlos()).ok).toBe(false);

      // Everything below goes through the lab's mcpServers, exactly as personas reach the lab.
      tools = await connectTools({ mcpServers: lab.mcpServers as Record<string, ServerEntry>, serverOptions: { sandbox: { callTimeoutMs: 60_000 } } });
      const names = tools.list().map((t) => t.name);
      for (const name of ['grafana.query_prometheus', 'grafana.query_loki_logs', 'github.create_or_update_file', 'sandbox.run_command', 'deploy.deploy_service', 'deploy.rollout_status']) expect(names).toContain(name);
      const structured = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
        const result = await tools!.call(name, args);
        expect(result.isError, `${name}: ${resultText(result)}`).toBeFalsy();
        return result.structuredContent as Record<string, unknown>;
      };
      const logs = await structured('grafana.query_loki_logs', { logql: '{job="workflows-api"} |= "pool acquire timeout"', startRfc3339: 'now-5m', limit: 5 });
      expect((logs.data as unknown[]).length).toBeGreaterThan(0);
      const suite = await structured('sandbox.run_command', { command: 'node', args: ['--test'] });
      expect(suite.exitCode).not.toBe(0);
      expect(String(suite.stdout)).toMatch(/pool\.size is 10/);

      // The fix as the backend persona ships it: a commit on main through the github tools, then a deploy.
      const file = await structured('github.get_file_contents', { owner: 'acme', repo: 'workflows-api', path: 'service.config.json', ref: 'main' });
      if (scenario.solution?.kind !== 'config') throw new Error('config solution expected');
      const fixed = mergeConfig(JSON.parse(String(file.content)) as Record<string, unknown>, scenario.solution.config);
      await structured('github.create_or_update_file', { owner: 'acme', repo: 'workflows-api', path: 'service.config.json', content: toJsonFile(fixed), message: 'Raise pool size to 50, fail fast', branch: 'main', sha: file.sha });
      const deployed = await structured('deploy.deploy_service', { ref: 'main', reason: 'pool fix' });
      expect(deployed.rollout).toMatchObject({ outcome: 'succeeded', triggeredBy: 'deploy-tool' });

      const recovered = await lab.waitForSlos({ timeoutMs: 90_000 });
      expect(recovered.ok).toBe(true);
      expect(recovered.heldForMs).toBeGreaterThanOrEqual(scenario.slos.holdSeconds * 1000);

      expect(lab.rollouts().map((r) => [r.trigger, r.outcome])).toEqual([
        ['lab', 'succeeded'],
        ['tool', 'succeeded'],
      ]);
      expect(lab.forge.events.list('branch.updated')).toHaveLength(1);
      const series = await lab.series();
      expect(series.length).toBeGreaterThan(20);
      expect(Math.max(...series.map((p) => p.errorRate ?? 0))).toBeGreaterThan(0.05);
      expect(Math.max(...series.map((p) => p.p95Seconds ?? 0))).toBeGreaterThan(1);
      expect(series.at(-1)?.errorRate).toBeLessThan(0.01);
    } finally {
      await tools?.close();
      await lab.stop();
    }
    expect(alive(labProcesses)).toEqual([]);
    expect(existsSync(lab.workDir)).toBe(false);
  }, 300_000);

  it('tears everything down when start-up fails (main crash-loops) and names the part that failed', async () => {
    const base = await loadScenario('pool-exhaustion');
    if (base.target.kind !== 'builtin') throw new Error('builtin expected');
    const { source: _source, ...input } = base;
    const broken = parseScenario({ ...input, target: { ...base.target, config: mergeConfig(base.target.config, { startup: { requires: ['firestore'] } }) } });
    const before = new Set(descendants());
    const err = await startLab(broken, { logger: silent }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabStartError);
    expect((err as LabStartError).part).toBe('target');
    expect((err as Error).message).toMatch(/first deploy of main failed: the service exited at startup with code 1[\s\S]*firestore/);
    await expect.poll(() => alive(descendants().filter((p) => !before.has(p))), { timeout: 10_000 }).toEqual([]);
  }, 120_000);

  it('an AbortSignal during start-up rejects and stops whatever had started', async () => {
    const scenario = await loadScenario('bad-deploy');
    const before = new Set(descendants());
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('drill cancelled')), 800);
    const outcome = await startLab(scenario, { logger: silent, signal: abort.signal }).then(
      (lab) => ({ lab }),
      (err: unknown) => ({ err }),
    );
    if ('err' in outcome) {
      expect(outcome.err).toBeInstanceOf(LabStartError);
      expect((outcome.err as Error).message).toMatch(/drill cancelled|stopped/);
    } else {
      // Start-up beat the abort on a fast machine: the abort then stops the running lab.
      await expect.poll(() => existsSync(outcome.lab.workDir), { timeout: 20_000 }).toBe(false);
    }
    await expect.poll(() => alive(descendants().filter((p) => !before.has(p))), { timeout: 20_000 }).toEqual([]);
  }, 120_000);
});
