import type { Logger } from 'pino';
import { describe } from '../primitives/errors.js';
import { TimeoutError, run, type ContextMemory, type EventSink, type RunJournal, type StepEvent } from '../primitives/index.js';
import { resolveQueues, type QueueConfig, type ResolvedQueue } from './config.js';
import { planEnqueue, type EnqueuePlan } from './enqueue-plan.js';
import { RunCancelledError, RunFailedError, RunNotFoundError, RunnerClosedError } from './errors.js';
import { LocalQueue, type QueuedTask } from './local-queue.js';
import type { WorkflowDefinition, WorkflowRegistry } from './registry.js';
import { waitForSettled } from './wait.js';
import type { EnqueueOptions, ResultOptions, RunFilter, RunHandle, Runner, RunInfo } from './types.js';

export interface LocalRunnerOptions {
  queues?: Record<string, QueueConfig>;
  /** Records completed steps; enqueueing the same runId again (e.g. after a restart) resumes instead of redoing. */
  journal?: RunJournal & { close?(): Promise<void> };
  /** close() also closes the journal (createRunner opened it from a URL). */
  ownsJournal?: boolean;
  /** `ctx.memory` for a run. */
  memory?: (runId: string, workflow: string) => ContextMemory | undefined;
  logger?: Logger;
  onEvent?: (event: StepEvent) => void;
  sinks?: readonly EventSink[];
  /** Finished runs kept for status/result lookups (oldest forgotten first); default 1000. */
  retainFinished?: number;
}

interface LocalRun extends QueuedTask {
  status: RunInfo;
  readonly plan: EnqueuePlan;
  readonly controller: AbortController;
  readonly settled: Promise<void>;
  settle(): void;
  cause?: unknown;
}

/**
 * Runs workflows in this process: `run()` behind in-memory priority queues with the same concurrency and
 * admission limits as the DBOS runner.
 *
 * When to use: a developer's machine, tests, a single CI job — one process, no database.
 * Gotchas: queued runs live in memory; a crash loses them (finished steps survive only with a `journal`,
 * and only when the caller enqueues the same runId again). For runs that must outlive a process, use DBOS.
 */
export class LocalRunner implements Runner {
  readonly kind = 'local' as const;
  readonly #queues: Map<string, LocalQueue>;
  readonly #resolved: Map<string, ResolvedQueue>;
  readonly #runs = new Map<string, LocalRun>();
  readonly #dedupe = new Map<string, string>();
  readonly #finished: string[] = [];
  #closed = false;

  constructor(readonly registry: WorkflowRegistry, private readonly options: LocalRunnerOptions = {}) {
    this.#resolved = resolveQueues(options.queues, registry.queues());
    this.#queues = new Map([...this.#resolved].map(([name, q]) => [name, new LocalQueue(q)]));
  }

  async enqueue<I, O>(workflow: WorkflowDefinition<I, O> | string, input: I, opts?: EnqueueOptions): Promise<RunHandle<O>> {
    if (this.#closed) throw new RunnerClosedError(this.kind);
    const plan = planEnqueue(this.registry, this.#resolved, workflow as WorkflowDefinition<unknown, unknown> | string, input, opts);
    const existing = this.#runs.get(plan.runId) ?? this.#runs.get(this.#dedupe.get(dedupeSlot(plan)) ?? '');
    if (existing) return this.handle<O>(existing.status.runId);
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const entry: LocalRun = {
      plan,
      priority: plan.priority,
      controller: new AbortController(),
      settled,
      settle,
      status: {
        runId: plan.runId, workflow: plan.definition.name, queue: plan.queue.name, priority: plan.priority,
        state: 'queued', createdAt: Date.now(), executor: 'local', attempts: 0,
      },
      start: () => this.#execute(entry),
    };
    (this.#queues.get(plan.queue.name) as LocalQueue).admit(entry); // throws QueueFullError before anything is recorded
    this.#runs.set(plan.runId, entry);
    if (plan.dedupeKey !== undefined) this.#dedupe.set(dedupeSlot(plan), plan.runId);
    return this.handle<O>(plan.runId);
  }

  handle<O = unknown>(runId: string): RunHandle<O> {
    return {
      runId,
      result: (opts?: ResultOptions) => this.#result<O>(runId, opts),
      status: async () => {
        const status = await this.status(runId);
        if (!status) throw new RunNotFoundError(runId);
        return status;
      },
    };
  }

  async status(runId: string): Promise<RunInfo | undefined> {
    const entry = this.#runs.get(runId);
    return entry ? { ...entry.status } : undefined;
  }

  async list(filter: RunFilter = {}): Promise<RunInfo[]> {
    const states = filter.state === undefined ? undefined : new Set(typeof filter.state === 'string' ? [filter.state] : filter.state);
    const out: RunInfo[] = [];
    for (const { status } of [...this.#runs.values()].reverse()) {
      if (states && !states.has(status.state)) continue;
      if (filter.queue !== undefined && status.queue !== filter.queue) continue;
      if (filter.workflow !== undefined && status.workflow !== filter.workflow) continue;
      out.push({ ...status });
      if (out.length >= (filter.limit ?? 100)) break;
    }
    return out;
  }

  async cancel(runId: string): Promise<void> {
    const entry = this.#runs.get(runId);
    if (!entry) throw new RunNotFoundError(runId);
    if (entry.status.state === 'queued' && (this.#queues.get(entry.plan.queue.name) as LocalQueue).remove(entry)) {
      this.#finish(entry, 'cancelled', undefined, new RunCancelledError(runId, entry.plan.definition.name));
    } else if (entry.status.state === 'running') {
      entry.controller.abort(new RunCancelledError(runId, entry.plan.definition.name));
    }
  }

  /** Cancels queued runs, aborts running ones and waits for them to stop. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const open = [...this.#runs.values()].filter((r) => r.status.state === 'queued' || r.status.state === 'running');
    await Promise.all(open.map((r) => this.cancel(r.status.runId)));
    await Promise.all(open.map((r) => r.settled));
    if (this.options.ownsJournal) await this.options.journal?.close?.();
  }

  /** Waiting and running counts per queue, for health checks and metrics. */
  async depth(queue: string): Promise<{ waiting: number; running: number }> {
    const q = this.#queues.get(queue);
    return { waiting: q?.waiting ?? 0, running: q?.running ?? 0 };
  }

  async #execute(entry: LocalRun): Promise<void> {
    const { plan } = entry;
    entry.status = { ...entry.status, state: 'running', startedAt: Date.now(), attempts: (entry.status.attempts ?? 0) + 1 };
    const timer = plan.timeoutMs === undefined ? undefined
      : setTimeout(() => entry.controller.abort(new TimeoutError(plan.definition.name, plan.timeoutMs as number)), plan.timeoutMs);
    try {
      const output = await run(plan.definition.step, plan.input, {
        runId: plan.runId,
        signal: entry.controller.signal,
        ...(this.options.journal ? { journal: this.options.journal } : {}),
        ...(this.options.logger ? { logger: this.options.logger } : {}),
        ...(this.options.onEvent ? { onEvent: this.options.onEvent } : {}),
        ...(this.options.sinks ? { sinks: this.options.sinks } : {}),
        ...memoryOption(this.options.memory?.(plan.runId, plan.definition.name)),
      });
      this.#finish(entry, 'succeeded', output, undefined);
    } catch (err) {
      this.#finish(entry, err instanceof RunCancelledError ? 'cancelled' : 'failed', undefined, err);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  #finish(entry: LocalRun, state: 'succeeded' | 'failed' | 'cancelled', output: unknown, cause: unknown): void {
    entry.status = {
      ...entry.status, state, completedAt: Date.now(),
      ...(state === 'succeeded' ? { output } : { error: describe(cause) }),
    };
    entry.cause = cause;
    if (entry.plan.dedupeKey !== undefined) this.#dedupe.delete(dedupeSlot(entry.plan));
    entry.settle();
    this.#finished.push(entry.status.runId);
    while (this.#finished.length > (this.options.retainFinished ?? 1000)) this.#runs.delete(this.#finished.shift() as string);
  }

  async #result<O>(runId: string, opts: ResultOptions = {}): Promise<O> {
    const entry = this.#runs.get(runId);
    if (!entry) throw new RunNotFoundError(runId);
    await waitForSettled(entry.settled, runId, opts);
    const { status } = entry;
    if (status.state === 'succeeded') return status.output as O;
    if (status.state === 'cancelled') throw new RunCancelledError(runId, status.workflow);
    throw new RunFailedError(runId, status.workflow, status.error ?? 'unknown error', { cause: entry.cause });
  }
}

function dedupeSlot(plan: EnqueuePlan): string {
  return `${plan.queue.name}\0${plan.dedupeKey ?? ''}`;
}

function memoryOption(memory: ContextMemory | undefined): { memory?: ContextMemory } {
  return memory ? { memory } : {};
}

