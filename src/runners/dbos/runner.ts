import type { Logger } from 'pino';
import { defaultLogger, sleep } from '../../primitives/index.js';
import { parseRunnerConfig, resolveQueues, type DbosRunnerConfig, type DbosRunnerConfigInput, type ResolvedQueue } from '../config.js';
import { planEnqueue } from '../enqueue-plan.js';
import { ResultTimeoutError, RunCancelledError, RunFailedError, RunNotFoundError, RunnerClosedError } from '../errors.js';
import type { WorkflowDefinition, WorkflowRegistry } from '../registry.js';
import type { EnqueueOptions, ResultOptions, RunFilter, RunHandle, Runner, RunPhase, RunInfo } from '../types.js';
import { admitAndEnqueue } from './admission.js';
import { dbosQueueParams, openConnections, type DbosConnections } from './connections.js';
import { dbosStatusesFor, timeoutOf, toRunInfo } from './status.js';

/**
 * Submits runs to DBOS queues in PostgreSQL and reads their status — from any process. Workers
 * (`firebreak worker`, or `startDbosWorker`) execute them.
 *
 * When to use: through `createRunner({ kind: 'dbos', database })`; directly in a process that only submits
 * and observes (an MCP server, `firebreak respond` against a worker fleet).
 * Gotchas: the registry must name the same workflows as the workers' (enqueue validates against it); a run
 * enqueued while no worker listens to its queue simply waits — it is durable.
 */
export class DbosRunner implements Runner {
  readonly kind = 'dbos' as const;
  readonly #queues: Map<string, ResolvedQueue>;
  readonly #ensured = new Map<string, Promise<unknown>>();
  #closed = false;

  /** Validates the config, migrates the database if needed and connects. */
  static async connect(config: DbosRunnerConfigInput, registry: WorkflowRegistry, opts: { logger?: Logger } = {}): Promise<DbosRunner> {
    const parsed = parseRunnerConfig(config) as DbosRunnerConfig;
    const logger = opts.logger ?? defaultLogger();
    return new DbosRunner(parsed, registry, await openConnections(parsed, logger), true);
  }

  constructor(
    readonly config: DbosRunnerConfig,
    readonly registry: WorkflowRegistry,
    private readonly connections: DbosConnections,
    private readonly ownsConnections: boolean,
  ) {
    this.#queues = resolveQueues(config.queues, registry.queues());
  }

  async enqueue<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, opts?: EnqueueOptions): Promise<RunHandle<O>> {
    if (this.#closed) throw new RunnerClosedError(this.kind);
    const plan = planEnqueue(this.registry, this.#queues, workflow as WorkflowDefinition<unknown, unknown> | string, input, opts);
    await this.#ensureQueue(plan.queue);
    const runId = await admitAndEnqueue(this.connections.pool, this.connections.client, this.config.schema, plan);
    return this.handle<O>(runId);
  }

  handle<O = unknown>(runId: string): RunHandle<O> {
    return {
      runId,
      result: (opts?: ResultOptions) => this.result<O>(runId, opts),
      status: async () => {
        const status = await this.status(runId);
        if (!status) throw new RunNotFoundError(runId);
        return status;
      },
    };
  }

  async status(runId: string): Promise<RunInfo | undefined> {
    const row = await this.connections.client.getWorkflow(runId);
    return row ? toRunInfo(row) : undefined;
  }

  async list(filter: RunFilter = {}): Promise<RunInfo[]> {
    const states: readonly RunPhase[] | undefined = filter.state === undefined ? undefined : typeof filter.state === 'string' ? [filter.state] : filter.state;
    const rows = await this.connections.client.listWorkflows({
      ...(states ? { status: dbosStatusesFor(states) as never } : {}),
      ...(filter.queue !== undefined ? { queueName: filter.queue } : {}),
      ...(filter.workflow !== undefined ? { workflowName: filter.workflow } : {}),
      limit: filter.limit ?? 100,
      sortDesc: true,
      loadInput: false,
      loadOutput: false,
    });
    const mapped = rows.map(toRunInfo);
    return states ? mapped.filter((s) => states.includes(s.state)) : mapped;
  }

  async cancel(runId: string): Promise<void> {
    if (!(await this.status(runId))) throw new RunNotFoundError(runId);
    await this.connections.client.cancelWorkflow(runId);
  }

  /**
   * Waits for the run to finish by polling the system database, so it works from any process, for runs
   * executed by any worker. Rejects with RunFailedError (cause: the recorded error), RunCancelledError,
   * ResultTimeoutError, or the signal's reason.
   */
  async result<O>(runId: string, opts: ResultOptions = {}): Promise<O> {
    const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.timeoutMs;
    const interval = opts.pollIntervalMs ?? 100;
    for (;;) {
      const row = await this.connections.client.getWorkflow(runId);
      if (!row) throw new RunNotFoundError(runId);
      const status = toRunInfo(row);
      if (status.state === 'succeeded') return row.output as O;
      if (status.state === 'cancelled') throw new RunCancelledError(runId, status.workflow);
      if (status.state === 'failed') throw new RunFailedError(runId, status.workflow, status.error ?? 'unknown error', { cause: timeoutOf(row) ?? row.error });
      const left = deadline - Date.now();
      if (left <= 0) throw new ResultTimeoutError(runId, opts.timeoutMs as number);
      await sleep(Math.min(interval, left), opts.signal);
    }
  }

  /** Waiting (queued) and running counts of a queue, across all workers. */
  async depth(queue: string): Promise<{ waiting: number; running: number }> {
    const { rows } = await this.connections.pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM "${this.config.schema}".workflow_status
        WHERE queue_name = $1 AND status IN ('ENQUEUED', 'PENDING') GROUP BY status`,
      [queue],
    );
    return {
      waiting: rows.find((r) => r.status === 'ENQUEUED')?.n ?? 0,
      running: rows.find((r) => r.status === 'PENDING')?.n ?? 0,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.ownsConnections) await this.connections.close();
  }

  /** Creates the queue's row if no worker has yet, so a run submitted before any worker starts still waits there. */
  #ensureQueue(queue: ResolvedQueue): Promise<unknown> {
    let done = this.#ensured.get(queue.name);
    if (!done) {
      done = this.connections.client.registerQueue(queue.name, { ...dbosQueueParams(queue), onConflict: 'never_update' });
      done.catch(() => this.#ensured.delete(queue.name));
      this.#ensured.set(queue.name, done);
    }
    return done;
  }
}
