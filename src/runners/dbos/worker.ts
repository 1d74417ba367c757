import { hostname } from 'node:os';
import { DBOS } from '@dbos-inc/dbos-sdk';
// Internal DBOS entry point (exported under "./internal/*"): recovering ANOTHER executor's workflows is what
// DBOS's removed admin endpoint and its Conductor do; the executor method is the same operation.
import { DBOSExecutor } from '@dbos-inc/dbos-sdk/internal/dbos-executor';
import type { Logger } from 'pino';
import { defaultLogger, type ContextMemory, type EventSink, type StepEvent } from '../../primitives/index.js';
import { parseRunnerConfig, resolveQueues, type DbosRunnerConfig, type DbosRunnerConfigInput } from '../config.js';
import { RunnerConfigError, WorkerAlreadyRunningError } from '../errors.js';
import type { WorkflowRegistry } from '../registry.js';
import { dbosQueueParams, openConnections, type DbosConnections } from './connections.js';
import { Liveness } from './liveness.js';
import { dbosLogger } from './logger.js';
import { DbosRunner } from './runner.js';
import { registerDbosWorkflows } from './workflows.js';

export interface DbosWorkerOptions {
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  sinks?: readonly EventSink[];
  memory?: (runId: string, workflow: string) => ContextMemory | undefined;
  /**
   * Runs of each served queue executing at once in this worker (`--concurrency`). DBOS stores queue settings
   * in the database, so this updates the queue for every worker of it: give workers that should differ
   * different queues (`listenQueues`), not different concurrencies.
   */
  concurrency?: number;
}

let active = false;

/**
 * A process that executes firebreak runs from DBOS queues: registers the registry's workflows, launches
 * DBOS (which first resumes this executor's own unfinished runs), serves the configured queues, heartbeats,
 * and recovers the runs of workers that died.
 *
 * When to use: `firebreak worker`, or `createRunner` with `worker: true` for a single-process setup.
 * Gotchas: one per process (DBOS is a singleton); the registry is sealed once it starts.
 */
export class DbosWorker {
  private constructor(
    readonly executorId: string,
    readonly appVersion: string,
    readonly queues: readonly string[],
    /** Submit and observe runs through the worker's own connections. */
    readonly runner: DbosRunner,
    private readonly liveness: Liveness,
    private readonly connections: DbosConnections,
  ) {}

  static async start(config: DbosRunnerConfigInput, registry: WorkflowRegistry, opts: DbosWorkerOptions = {}): Promise<DbosWorker> {
    if (active || DBOS.isInitialized()) throw new WorkerAlreadyRunningError();
    active = true;
    const cfg = parseRunnerConfig(config) as DbosRunnerConfig;
    const logger = opts.logger ?? defaultLogger();
    const resolved = resolveQueues(cfg.queues, registry.queues());
    const listen = cfg.listenQueues ?? [...resolved.keys()];
    const unknown = listen.filter((q) => !resolved.has(q));
    if (unknown.length > 0) {
      active = false;
      throw new RunnerConfigError([{ path: 'listenQueues', message: `unknown queue(s) ${unknown.join(', ')}; configured: ${[...resolved.keys()].join(', ')}` }]);
    }
    const executorId = cfg.executorId ?? `${hostname()}-${process.pid}`;
    const appVersion = cfg.appVersion ?? `fb-${registry.fingerprint().slice(0, 16)}`;
    let connections: DbosConnections | undefined;
    try {
      connections = await openConnections(cfg, logger);
      const client = connections.client;
      const liveness = new Liveness({
        pool: connections.pool, executorId, applicationName: cfg.applicationName, applicationVersion: appVersion,
        heartbeatMs: cfg.heartbeatMs, deadAfterMs: cfg.deadAfterMs, logger,
        recover: async (dead) => (await (DBOSExecutor.globalInstance as DBOSExecutor).recoverPendingWorkflows([dead])).length,
        hasPending: async (id) => (await client.listWorkflows({ executorId: id, status: 'PENDING', limit: 1, loadInput: false, loadOutput: false })).length > 0,
      });
      await liveness.claim();
      // Queues are written before launch so the dispatch loop serves them from its first poll.
      for (const name of listen) {
        const queue = resolved.get(name) as NonNullable<ReturnType<typeof resolved.get>>;
        await client.registerQueue(name, { ...dbosQueueParams(queue, opts.concurrency), onConflict: 'always_update' });
      }
      registerDbosWorkflows(registry, {
        logger,
        listSteps: (id) => client.listWorkflowSteps(id),
        ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
        ...(opts.sinks ? { sinks: opts.sinks } : {}),
        ...(opts.memory ? { memory: opts.memory } : {}),
      });
      DBOS.setConfig({
        name: cfg.applicationName,
        systemDatabaseUrl: cfg.database,
        systemDatabaseSchemaName: cfg.schema,
        executorID: executorId,
        applicationVersion: appVersion,
        logger: dbosLogger(logger),
        listenQueues: listen,
        runMigrations: false,
        ...(cfg.poolSize ? { systemDatabasePoolSize: cfg.poolSize } : {}),
      });
      await DBOS.launch();
      registry.seal('its DBOS worker has launched (DBOS registers workflows once, before launch)');
      liveness.start();
      logger.info({ executorId, appVersion, queues: listen }, 'firebreak DBOS worker started');
      const runner = new DbosRunner(cfg, registry, connections, false);
      return new DbosWorker(executorId, appVersion, listen, runner, liveness, connections);
    } catch (err) {
      // Also when launch never happened: it clears the workflows registered above, so a retry can register again.
      await DBOS.shutdown({ deregister: true }).catch(() => undefined);
      await connections?.close().catch(() => undefined);
      active = false;
      throw err;
    }
  }

  /** One recovery sweep now (the worker also sweeps every heartbeat); returns the dead executors it recovered from. */
  recoverDeadWorkers(): Promise<string[]> {
    return this.liveness.sweep();
  }

  /**
   * Stops taking runs, waits up to `drainMs` (default 30 s) for running ones, and disconnects. Runs still
   * running after the drain stay PENDING under this executor id: a restart with the same id resumes them at
   * once, otherwise peers recover them once this worker's heartbeat is `deadAfterMs` old.
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    await this.liveness.stop();
    try {
      await DBOS.shutdown({ deregister: true, workflowCompletionTimeoutMS: opts.drainMs ?? 30_000 });
      await this.liveness.release().catch(() => undefined);
    } finally {
      await this.runner.close();
      await this.connections.close();
      active = false;
    }
  }
}
