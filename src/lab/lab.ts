import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Scenario } from '../drills/scenario-schema.js';
import { serveHttp } from '../tools/servers/serve.js';
import { launchDependency, type DependencyHandle } from './dependency/launch.js';
import { INGRESS_METRICS_PATH, startIngress } from './deployer/ingress.js';
import { createDeployerServer } from './deployer/server.js';
import type { DeployerControl, Rollout } from './deployer/types.js';
import { openRepo, type ForgeEventLog } from './forge/index.js';
import { LabStartError, LabStoppedError } from './lab-errors.js';
import { applyFault, type FaultInjection } from './lab-faults.js';
import { LabLoad } from './lab-load.js';
import { labMcpServers, type LabMcpServer } from './lab-mcp.js';
import { alertRules, checkSlos, querySeries, waitForAlert, waitForSlos, type LabSeriesPoint, type SloReport } from './lab-observe.js';
import { providedNames, setupLabRepo } from './lab-repo.js';
import { startLabTarget, targetName } from './lab-target.js';
import { stopOnTermination, Teardown } from './lab-teardown.js';
import type { PromAlert, PrometheusApi } from './prometheus/api.js';
import { startPrometheus } from './prometheus/server.js';
import { TASKS_DB } from './target/service.js';
import { TaskStore } from './target/tasks/store.js';
import { stderrLogger } from '../primitives/logger.js';

export interface StartLabOptions {
  /** Aborting stops the lab (during start-up too: the start rejects and everything is torn down). */
  readonly signal?: AbortSignal;
  /** Where the lab keeps repos, releases, logs and data. Default: a temp dir, removed by stop(); a given dir is kept. */
  readonly workDir?: string;
  /** Default: pino at warn (FIREBREAK_LOG_LEVEL) on stderr. */
  readonly logger?: Logger;
  /** Sandbox isolation in mcpServers. Default: FIREBREAK_SANDBOX_ISOLATION or bwrap. */
  readonly sandboxIsolation?: 'bwrap' | 'process';
  /** Install SIGINT/SIGTERM/SIGHUP handlers that stop the lab (default true). */
  readonly handleSignals?: boolean;
}

/** A running drill lab. Everything listens on 127.0.0.1 with dynamic ports; stop() takes it all down. */
export interface Lab {
  readonly scenario: Scenario;
  readonly workDir: string;
  readonly startedAt: Date;
  /** IDE-style MCP config: grafana, github, sandbox (stdio) and deploy (HTTP) — what the personas get. */
  readonly mcpServers: Readonly<Record<string, LabMcpServer>>;
  readonly urls: { readonly ingress: string; readonly prometheus: string; readonly forge: string; readonly deploy: string; readonly dependency: string | undefined };
  /** The forge's activity (PRs opened and merged, commits) with timestamps. */
  readonly forge: { readonly events: ForgeEventLog };
  readonly prometheus: PrometheusApi;
  readonly deployer: DeployerControl;
  /** The service's JSON-lines log file. */
  readonly logFile: string;
  /** Applies the scenario's fault now (a bad release's follow-ups included; `signal` cuts their wait). */
  inject(options?: { signal?: AbortSignal }): Promise<FaultInjection>;
  /** The last injection, if any. */
  injection(): FaultInjection | undefined;
  /** Resolves with the first paging alert that fires, as Prometheus' /api/v1/alerts shows it. Default timeout: limits.detect. */
  waitForAlert(options?: { signal?: AbortSignal; timeoutMs?: number }): Promise<PromAlert>;
  /** Evaluates the scenario's SLO checks once. */
  checkSlos(): Promise<SloReport>;
  /** Resolves once every SLO check held for `holdSeconds` (default: the scenario's). Default timeout: limits.verify. */
  waitForSlos(options?: { holdSeconds?: number; timeoutMs?: number; signal?: AbortSignal }): Promise<SloReport>;
  /** Error rate and p95 over the drill (default: from lab start to now, 1 s steps). */
  series(options?: { start?: Date; end?: Date; stepSeconds?: number }): Promise<LabSeriesPoint[]>;
  /** Every rollout so far, oldest first. */
  rollouts(): Rollout[];
  /** A file of the service repository at `revision` (the forge's git); undefined when it is not there. */
  readRepoFile(revision: string, path: string): Promise<string | undefined>;
  /**
   * Lost-work accounting (builtin target): tasks the ingress answered 202 on /api/tasks, and the rows of the
   * service's durable task store. Undefined for a custom target.
   */
  taskAccounting(): { accepted: number; stored: number } | undefined;
  /** Stops load, service, Prometheus, forge, servers; removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export { LabStartError, LabStoppedError, LabWaitTimeoutError } from './lab-errors.js';
export { FaultInjectionError, mergeConfig, type FaultInjection } from './lab-faults.js';
export type { LabMcpServer } from './lab-mcp.js';
export { DEFAULT_SERIES, type LabSeriesPoint, type SloReport, type SloResult } from './lab-observe.js';

const hostPort = (url: string): string => new URL(url).host;

/** The target's task endpoint: a 202 there is an accepted task. */
const TASKS_PATH = '/api/tasks';

/** Rows in the durable task store file (read-only; 0 when the service never created it). */
function storedTasks(file: string): number {
  if (!existsSync(file)) return 0;
  const store = TaskStore.open(file, { readOnly: true });
  try {
    return Object.values(store.countsByStatus()).reduce((a, b) => a + b, 0);
  } finally {
    store.close();
  }
}

/**
 * Starts the drill lab for `scenario`: the forge with the service repo (template + the scenario's config)
 * and a workspace checkout, the ingress, the lab dependency if the scenario has one, real Prometheus
 * (1 s scrapes, the scenario's alert rules), the service deployed at main through the deployer, the
 * deployer's MCP server, and the baseline load. Ready when Prometheus scrapes every target.
 *
 * Teardown is guaranteed: on a start-up failure (LabStartError naming the part), on stop(), on the
 * AbortSignal and on SIGINT/SIGTERM/SIGHUP. Gotcha: everything runs compiled code from dist/ — build first.
 */
export async function startLab(scenario: Scenario, options: StartLabOptions = {}): Promise<Lab> {
  const logger = options.logger ?? stderrLogger('firebreak-lab');
  options.signal?.throwIfAborted();
  const ownsDir = options.workDir === undefined;
  const workDir = options.workDir !== undefined ? resolve(options.workDir) : await mkdtemp(join(tmpdir(), 'firebreak-lab-'));
  // Traversable (not listable) by others: with process isolation as root, the sandbox's unprivileged uid must
  // reach the workspace inside. The lab writes no secrets here (tokens stay in process environments).
  if (ownsDir) await chmod(workDir, 0o711);
  const teardown = new Teardown(logger);
  if (ownsDir) teardown.add('workdir', () => rm(workDir, { recursive: true, force: true }));
  let stopped = false;
  const timers = new Set<NodeJS.Timeout>();
  teardown.add('timers', () => timers.forEach(clearTimeout));
  const stop = async (): Promise<void> => {
    stopped = true;
    options.signal?.removeEventListener('abort', onAbort);
    await teardown.run();
    // Only now: while our signal handlers are installed, process.ts's hook does not re-raise the signal.
    uninstall();
  };
  const uninstall = options.handleSignals === false ? () => undefined : stopOnTermination(stop, ownsDir ? workDir : undefined, logger);
  const onAbort = (): void => void stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const part = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    if (stopped || options.signal?.aborted) throw new LabStartError(name, options.signal?.reason ?? new LabStoppedError());
    try {
      return await fn();
    } catch (err) {
      // After an abort, the part failed because its neighbours were being torn down: report the abort.
      const reason = options.signal?.aborted ? options.signal.reason : stopped ? new LabStoppedError() : err;
      throw new LabStartError(name, reason);
    }
  };

  try {
    const logsDir = join(workDir, 'logs');
    await mkdir(logsDir, { recursive: true });
    const repo = await part('forge', () => setupLabRepo(scenario, workDir, logger));
    teardown.add('forge', () => repo.forge.stop());
    const ingress = await part('ingress', () => startIngress({ logger: logger.child({ component: 'ingress' }) }));
    teardown.add('ingress', () => ingress.close());

    const name = targetName(scenario);
    const target = scenario.target;
    let dependency: DependencyHandle | undefined;
    const logFiles: Record<string, string> = {};
    const provides: Record<string, string> = Object.fromEntries(providedNames(scenario).map((n) => [n, '']));
    if (target.kind === 'builtin' && target.dependency) {
      const depName = target.dependency.name ?? 'payments-api';
      logFiles[depName] = join(logsDir, `${depName}.log`);
      dependency = await part('dependency', () => launchDependency({ ...target.dependency, logFile: logFiles[depName] }));
      teardown.add('dependency', () => dependency?.stop());
      provides[depName] = dependency.url;
    }

    const prom = await part('prometheus', () =>
      startPrometheus({
        jobs: [
          { job: name, targets: [], metricsPath: target.kind === 'custom' ? target.metricsPath : '/metrics' },
          { job: 'ingress', targets: [hostPort(ingress.url)], metricsPath: INGRESS_METRICS_PATH },
          ...(dependency ? [{ job: target.kind === 'builtin' ? (target.dependency?.name ?? 'payments-api') : 'dependency', targets: [hostPort(dependency.url)] }] : []),
        ],
        rules: alertRules(scenario.alerts),
      }),
    );
    teardown.add('prometheus', () => prom.stop());

    let injection: FaultInjection | undefined;
    // Prometheus keeps scraping the last address when the service goes down, so `up` shows the outage.
    let promTargets: Promise<void> = Promise.resolve();
    let scraped: string | undefined;
    const onUpstream = (url: string | undefined): void => {
      ingress.setUpstream(url);
      if (url === undefined || hostPort(url) === scraped) return;
      scraped = hostPort(url);
      const address = scraped;
      promTargets = promTargets.then(() => prom.setTargets(name, [address])).catch((err: unknown) => logger.error({ err }, 'could not update the scrape target'));
    };
    const onRollout = (rollout: Rollout): void => {
      const fault = scenario.fault;
      // A restart clears in-flight retries: without the dependency failing again a plain restart would look like a fix.
      if (fault.kind !== 'dependency-outage' || fault.reinjectAfterDeployMs === undefined || !injection || !dependency) return;
      if (rollout.trigger === 'lab' || rollout.outcome !== 'succeeded' || stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopped) dependency?.fail(fault.durationMs).catch((err: unknown) => logger.warn({ err }, 'dependency re-injection failed'));
      }, fault.reinjectAfterDeployMs);
      timers.add(timer);
    };
    const labTarget = await part('target', () => startLabTarget({ scenario, workDir, repo, ingress, provides, logger, teardown, onUpstream, onRollout }));
    logFiles[name] = labTarget.logFile;

    const mcp = await part('deploy-mcp', () => serveHttp(() => createDeployerServer(labTarget.deployer), { logger: logger.child({ component: 'deploy-mcp' }) }));
    teardown.add('deploy-mcp', () => mcp.close());

    const load = new LabLoad(logger.child({ component: 'load' }));
    teardown.add('load', () => load.stopAll());
    await part('load', () =>
      load.start({ name: 'baseline', url: ingress.url, path: scenario.load.path, method: scenario.load.method, body: scenario.load.body, ratePerSec: scenario.load.baselineRatePerSec, durationMs: Number.MAX_SAFE_INTEGER, requestTimeoutMs: scenario.load.requestTimeoutMs, loop: true }),
    );
    await part('prometheus-targets', async () => {
      await promTargets;
      await prom.waitForTargetsUp({ timeoutMs: 20_000 });
    });

    const startedAt = new Date();
    const isolation = options.sandboxIsolation ?? (process.env.FIREBREAK_SANDBOX_ISOLATION === 'process' ? 'process' : 'bwrap');
    const alive = (): void => {
      if (stopped) throw new LabStoppedError();
    };
    const paging = scenario.alerts.filter((a) => a.page).map((a) => a.name);
    logger.info({ workDir, ingress: ingress.url, prometheus: prom.url, forge: repo.forge.url }, 'lab ready');
    return {
      scenario,
      workDir,
      startedAt,
      mcpServers: labMcpServers({ prometheusUrl: prom.url, logFiles, forgeUrl: repo.forge.url, forgeToken: repo.token, workspaceDir: repo.workspaceDir, deployUrl: mcp.url, sandboxIsolation: isolation }),
      urls: { ingress: ingress.url, prometheus: prom.url, forge: repo.forge.url, deploy: mcp.url, dependency: dependency?.url },
      forge: { events: repo.forge.events },
      prometheus: prom,
      deployer: labTarget.deployer,
      logFile: labTarget.logFile,
      async inject(o = {}) {
        alive();
        const deploy = target.kind === 'builtin' ? (ref: string, reason: string) => labTarget.deployer.deploy(ref, { trigger: 'fault', reason }) : undefined;
        injection = await applyFault({ scenario, load, ingressUrl: ingress.url, repo, dependency, kill: labTarget.kill, deploy, env: { FIREBREAK_INGRESS_URL: ingress.url, FIREBREAK_PROMETHEUS_URL: prom.url, FIREBREAK_FORGE_URL: repo.forge.url }, logger }, o.signal);
        logger.info({ fault: injection.kind, at: injection.at }, 'fault injected');
        return injection;
      },
      injection: () => injection,
      waitForAlert(o = {}) {
        alive();
        return waitForAlert(prom, paging, { timeoutMs: o.timeoutMs ?? scenario.limits.detect, ...(o.signal ? { signal: o.signal } : {}) });
      },
      checkSlos() {
        alive();
        return checkSlos(prom, scenario.slos.checks);
      },
      waitForSlos(o = {}) {
        alive();
        return waitForSlos(prom, scenario.slos.checks, { holdSeconds: o.holdSeconds ?? scenario.slos.holdSeconds, timeoutMs: o.timeoutMs ?? scenario.limits.verify, ...(o.signal ? { signal: o.signal } : {}) });
      },
      series(o = {}) {
        alive();
        const end = o.end ?? new Date();
        const start = o.start ?? startedAt;
        return querySeries(prom, scenario, { start, end, stepSeconds: o.stepSeconds ?? Math.max(1, Math.ceil((end.getTime() - start.getTime()) / 1000 / 1_000)) });
      },
      rollouts: () => labTarget.deployer.rollouts(),
      async readRepoFile(revision, path) {
        if (revision.startsWith('-') || path.startsWith('-')) return undefined;
        const git = await openRepo(repo.repoDir);
        // 128: no such path at that revision (or no such revision).
        const result = await git.run(['show', `${revision}:${path}`], { allowExit: [128] });
        return result.exitCode === 0 ? result.stdout.toString('utf8') : undefined;
      },
      taskAccounting() {
        if (!labTarget.dataDir) return undefined;
        // Accepted first: a row is in the store before its 202 reaches the client, never after.
        const accepted = ingress.responses(TASKS_PATH, 202);
        return { accepted, stored: storedTasks(join(labTarget.dataDir, TASKS_DB)) };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
