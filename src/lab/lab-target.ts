import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BuiltinTarget, Scenario } from '../drills/scenario-schema.js';
import type { LabEnvironment } from './target/startup.js';
import { createCommandDeployer } from './deployer/command-deployer.js';
import { createDeployer } from './deployer/deployer.js';
import type { Ingress } from './deployer/ingress.js';
import { probeHealth } from './deployer/releases.js';
import type { DeployerControl, HealthProbe, Release, Rollout } from './deployer/types.js';
import type { LabRepo } from './lab-repo.js';
import type { Teardown } from './lab-teardown.js';
import { spawnChild, type ChildHandle } from './process.js';

/** The service under drill, however it is run: firebreak's target, or a team's own service. */
export interface LabTarget {
  /** Prometheus job name = the service's name (`service` label of its metrics). */
  readonly name: string;
  readonly logFile: string;
  readonly metricsPath: string;
  readonly deployer: DeployerControl & { current(): Release | undefined };
  /** Signals the service process (builtin only: the supervisor restarts it). */
  readonly kill: ((signal: NodeJS.Signals) => boolean) | undefined;
  /** The data dir every release shares (sagas.db, tasks.db); builtin only. */
  readonly dataDir: string | undefined;
}

export interface LabTargetInputs {
  readonly scenario: Scenario;
  readonly workDir: string;
  readonly repo: LabRepo;
  readonly ingress: Ingress;
  readonly provides: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly teardown: Teardown;
  /** A process of the service now listens at `url` (route the ingress and Prometheus to it); undefined when it went down. */
  readonly onUpstream: (url: string | undefined) => void;
  readonly onRollout: (rollout: Rollout) => void;
}

/** The scenario's platform environment as the service.config.json fragment the service merges under its file. */
function platformEnvironment(e: BuiltinTarget['environment']): LabEnvironment {
  return {
    ...(e?.queryLatency ? { pool: { queryLatency: e.queryLatency } } : {}),
    ...(e?.taskDuration ? { workers: { taskDuration: e.taskDuration } } : {}),
    ...(e?.sagaStepDuration ? { sagas: { processor: { stepDuration: e.sagaStepDuration } } } : {}),
  };
}

/** The builtin target's service name (from its config), which is also its Prometheus job. */
export function targetName(scenario: Scenario): string {
  if (scenario.target.kind === 'custom') return scenario.target.name;
  const service = scenario.target.config.service as { name?: unknown } | undefined;
  return typeof service?.name === 'string' ? service.name : 'workflows-api';
}

/**
 * Creates the deployer for the scenario's target and brings `main` up through it (the first rollout,
 * trigger `lab`). A custom target's `start` command is launched first. Teardown steps are registered as
 * parts start. Throws when main does not come up healthy: a lab must start from a working service.
 */
export async function startLabTarget(o: LabTargetInputs): Promise<LabTarget> {
  const { scenario, workDir, repo, ingress, logger, teardown } = o;
  const name = targetName(scenario);
  const releasesDir = join(workDir, 'releases');
  const target = scenario.target;
  let result: LabTarget;
  if (target.kind === 'builtin') {
    const logFile = join(workDir, 'logs', `${name}.log`);
    const dataDir = join(workDir, 'data');
    const deployer = createDeployer({
      repoDir: repo.repoDir,
      releasesDir,
      logFile,
      dataDir,
      provides: o.provides,
      environment: platformEnvironment(target.environment),
      serviceName: name,
      maintenance: ingress,
      logger: logger.child({ component: 'deployer' }),
      onUpstream: (url) => o.onUpstream(url),
      onRollout: o.onRollout,
    });
    teardown.add('deployer', () => deployer.stop());
    result = { name, logFile, metricsPath: '/metrics', deployer, kill: (signal) => deployer.kill(signal), dataDir };
  } else {
    if (target.start) {
      const start = target.start;
      const child = await spawnChild({ name, command: start.command, args: start.args, cwd: start.cwd, env: start.env, waitFor: 'spawn' });
      teardown.add('custom-target', () => child.stop().then(() => undefined));
      const health = await waitStarted(child, new URL(target.healthPath, target.url).href, start.timeoutMs);
      if (!health.ok) throw new Error(`${name} did not become healthy at ${target.url}${target.healthPath}: ${health.error ?? `HTTP ${health.status}`}\n${child.stderr().slice(-2_000)}`);
    }
    o.onUpstream(target.url);
    const deployer = createCommandDeployer({
      repoDir: repo.repoDir,
      releasesDir,
      serviceName: name,
      healthUrl: new URL(target.healthPath, target.url).href,
      logFile: target.logFile,
      deploy: target.deploy,
      maintenance: ingress,
      logger: logger.child({ component: 'deployer' }),
      onRollout: o.onRollout,
    });
    teardown.add('deployer', () => deployer.stop());
    result = { name, logFile: target.logFile, metricsPath: target.metricsPath, deployer, kill: undefined, dataDir: undefined };
  }
  const first = await result.deployer.deploy('main', { trigger: 'lab', reason: 'lab start' });
  if (first.outcome !== 'succeeded') {
    throw new Error(`the first deploy of main failed: ${first.error ?? 'unknown'}${first.stderrTail ? `\n${first.stderrTail}` : ''}${first.logTail ? `\n${first.logTail}` : ''}`);
  }
  return result;
}

/**
 * Polls a custom target's health URL until it answers 2xx, for up to `timeoutMs`. A start command that fails
 * (non-zero exit, signal) ends the wait at once: its service is not coming. One that exits 0 may have
 * started a daemon, so the wait goes on.
 */
async function waitStarted(child: ChildHandle, url: string, timeoutMs: number): Promise<HealthProbe> {
  const deadline = Date.now() + timeoutMs;
  let last: HealthProbe = { ok: false, error: 'not probed' };
  while (Date.now() < deadline) {
    last = await probeHealth(url, Math.min(2_000, Math.max(100, deadline - Date.now())));
    if (last.ok) return last;
    const exit = child.exitInfo();
    if (exit && exit.code !== 0) return { ok: false, error: `its start command exited with ${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`} before it was healthy` };
    await new Promise((r) => setTimeout(r, 200));
  }
  return last;
}
