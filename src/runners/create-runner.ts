import type { Logger } from 'pino';
import type { ContextMemory, EventSink, RunJournal, StepEvent } from '../primitives/index.js';
import { openJournal } from '../memory/index.js';
import { parseRunnerConfig, type RunnerConfigInput } from './config.js';
import { DbosRunner } from './dbos/runner.js';
import { DbosWorker } from './dbos/worker.js';
import { LocalRunner } from './local-runner.js';
import type { WorkflowDefinition, WorkflowRegistry } from './registry.js';
import type { EnqueueOptions, ResultOptions, RunFilter, RunHandle, Runner, RunInfo } from './types.js';

export interface CreateRunnerOptions {
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  sinks?: readonly EventSink[];
  memory?: (runId: string, workflow: string) => ContextMemory | undefined;
  /** Local runner only: a RunJournal to use instead of opening `config.journal`; re-enqueued runIds resume. */
  journal?: RunJournal;
  /** DBOS worker only: per-worker concurrency of every served queue. */
  concurrency?: number;
}

/**
 * The runner a config asks for — the one switch between one process and a fleet:
 * - `{ kind: 'local', journal?: 'sqlite:.firebreak/firebreak.db' }`: LocalRunner, runs in this process;
 * - `{ kind: 'dbos', database, worker: true }` (default): a DBOS worker in this process plus its runner —
 *   runs are durable in PostgreSQL and other `firebreak worker`s share the queues;
 * - `{ kind: 'dbos', database, worker: false }`: submit and observe only (workers elsewhere execute).
 * Workflow code is the same in all three. Throws RunnerConfigError naming bad fields.
 *
 * @example
 * const runner = await createRunner({ kind: 'dbos', database: process.env.DATABASE_URL }, registry);
 * const handle = await runner.enqueue('triage', alert, { priority: 'p0' });
 * console.log(await handle.result({ timeoutMs: 60_000 }));
 * await runner.close();
 */
export async function createRunner(config: RunnerConfigInput, registry: WorkflowRegistry, opts: CreateRunnerOptions = {}): Promise<Runner> {
  const cfg = parseRunnerConfig(config);
  const { concurrency, journal, ...shared } = opts;
  if (cfg.kind === 'local') {
    const opened = journal === undefined && cfg.journal !== undefined
      ? await openJournal(cfg.journal, opts.logger ? { logger: opts.logger } : {})
      : undefined;
    const chosen = journal ?? opened;
    return new LocalRunner(registry, {
      ...(cfg.queues ? { queues: cfg.queues } : {}), ...shared, ...(chosen ? { journal: chosen } : {}), ownsJournal: opened !== undefined,
    });
  }
  if (!cfg.worker) return DbosRunner.connect(cfg, registry, opts.logger ? { logger: opts.logger } : {});
  const worker = await DbosWorker.start(cfg, registry, { ...shared, ...(concurrency !== undefined ? { concurrency } : {}) });
  return new WorkerRunner(worker);
}

/** The runner of an in-process DBOS worker; closing it stops the worker (draining its running runs). */
class WorkerRunner implements Runner {
  readonly kind = 'dbos' as const;
  constructor(readonly worker: DbosWorker) {}
  get registry(): WorkflowRegistry {
    return this.worker.runner.registry;
  }
  enqueue<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, opts?: EnqueueOptions): Promise<RunHandle<O>> {
    return this.worker.runner.enqueue(workflow, input, opts);
  }
  handle<O = unknown>(runId: string): RunHandle<O> {
    return this.worker.runner.handle<O>(runId);
  }
  status(runId: string): Promise<RunInfo | undefined> {
    return this.worker.runner.status(runId);
  }
  result<O>(runId: string, opts?: ResultOptions): Promise<O> {
    return this.worker.runner.result<O>(runId, opts);
  }
  list(filter?: RunFilter): Promise<RunInfo[]> {
    return this.worker.runner.list(filter);
  }
  depth(queue: string): Promise<{ waiting: number; running: number }> {
    return this.worker.runner.depth(queue);
  }
  cancel(runId: string): Promise<void> {
    return this.worker.runner.cancel(runId);
  }
  close(): Promise<void> {
    return this.worker.stop();
  }
}
