import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { abortReason } from './abort.js';
import type { RunJournal } from './journal.js';
import { deliver, type EventSink } from './sink.js';
import type { ChildOptions, Context, ContextMemory, Step, StepEvent } from './types.js';

/** Shared by every context of one run; created once by `run()`. */
export interface RunState {
  readonly runId: string;
  readonly logger: Logger;
  readonly sinks: readonly EventSink[];
  /** True when some sink wants start/end events; false keeps the hot path allocation-free. */
  readonly lifecycle: boolean;
  readonly journal: RunJournal | undefined;
  readonly memory: ContextMemory | undefined;
}

/**
 * The Context implementation. Kept as a class with lazy getters: a step that never logs never pays for a
 * child logger, and one that never de-duplicates never pays for a hash.
 */
export class RunContext implements Context {
  #log: Logger | undefined;

  constructor(
    readonly state: RunState,
    readonly path: string,
    readonly signal: AbortSignal,
    readonly attempt: number,
    /**
     * True for the context of a transparent wrapper that was given an attempt (retry(timeout(s))): the
     * first non-transparent step below it inherits `attempt` instead of starting at 1.
     */
    readonly inheritsAttempt = false,
  ) {}

  get runId(): string {
    return this.state.runId;
  }

  get memory(): ContextMemory | undefined {
    return this.state.memory;
  }

  get log(): Logger {
    return (this.#log ??= this.state.logger.child({ runId: this.state.runId, path: this.path }));
  }

  get idempotencyKey(): string {
    return idempotencyKey(this.state.runId, this.path);
  }

  emit(name: string, data: Record<string, unknown> = {}): void {
    this.publish({ type: 'custom', runId: this.state.runId, path: this.path, at: Date.now(), name, data });
  }

  /** Internal: primitives publish retry/breaker events through here. */
  publish(event: StepEvent): void {
    deliver(this.state.sinks, event);
  }

  run<I, O>(step: Step<I, O>, input: I, opts?: ChildOptions): Promise<O> {
    return invoke(this, step, input, opts);
  }
}

/** `fb-` + 24 hex chars of sha256(runId, path): stable across processes and restarts of the same run. */
export function idempotencyKey(runId: string, path: string): string {
  return 'fb-' + createHash('sha256').update(runId).update('\0').update(path).digest('hex').slice(0, 24);
}

/**
 * THE place where a step runs: path bookkeeping, cancellation check, journal replay and events. Every
 * combinator runs its children through `ctx.run`, which lands here. It always returns a promise and never
 * throws synchronously (a step's synchronous throw becomes a rejection).
 */
export function invoke<I, O>(parent: RunContext, step: Step<I, O>, input: I, opts?: ChildOptions): Promise<O> {
  const signal = opts?.signal ?? parent.signal;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  if (step.transparent) {
    // A segment on a transparent step (a parallel branch key on a retry or sequence) still names a place in
    // the path, so its children stay distinct from other branches'.
    const ctx = opts === undefined
      ? parent
      : new RunContext(parent.state, opts.segment === undefined ? parent.path : joinPath(parent.path, opts.segment), signal, opts.attempt ?? parent.attempt, opts.attempt !== undefined || parent.inheritsAttempt);
    // ctx.run never throws synchronously, so wrappers can chain on its promise without a try/catch of their own.
    try {
      return step.run(input, ctx);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  const path = joinPath(parent.path, opts?.segment ?? step.name);
  const attempt = opts?.attempt ?? (parent.inheritsAttempt ? parent.attempt : 1);
  const ctx = new RunContext(parent.state, path, signal, attempt);
  const state = parent.state;
  if (state.journal !== undefined && step.durable !== false) return invokeJournaled(state.journal, step, input, ctx);
  if (!state.lifecycle) return runWithErrorEvent(step, input, ctx);
  return runObserved(step, input, ctx);
}

/** `parent/segment`, or `segment` at the root. */
export function joinPath(parent: string, segment: string): string {
  return parent === '' ? segment : parent + '/' + segment;
}

/**
 * The step a wrapper ultimately runs, and its path, when started with `ctx.run(child, input)` from a context
 * at `parentPath`: transparent single-child wrappers (timeout, circuitBreaker, …) are looked through, so a
 * retry event names `query`, not `circuitBreaker(query)`.
 */
export function visibleTarget(parentPath: string, child: Step<never, unknown>): { name: string; path: string } {
  let s: Step<never, unknown> = child;
  while (s.transparent && s.children?.length === 1) s = s.children[0]!;
  return { name: s.name, path: s.transparent ? parentPath : joinPath(parentPath, s.name) };
}

/**
 * Publishes a primitive's event (retry, breaker) into the run's one event stream. A context not made by the
 * runner (a hand-built test double) has no stream, and the event is dropped.
 */
export function publishEvent(ctx: Context, event: StepEvent): void {
  if (ctx instanceof RunContext) ctx.publish(event);
}

function runWithErrorEvent<I, O>(step: Step<I, O>, input: I, ctx: RunContext): Promise<O> {
  // Only failures are reported here; when no sink wants lifecycle events, success costs nothing extra.
  let promise: Promise<O>;
  try {
    promise = step.run(input, ctx);
  } catch (err) {
    promise = Promise.reject(err);
  }
  if (ctx.state.sinks.length === 0) return promise;
  return promise.catch((err: unknown) => {
    ctx.publish(errorEvent(step, ctx, 0, err));
    throw err;
  });
}

async function runObserved<I, O>(step: Step<I, O>, input: I, ctx: RunContext): Promise<O> {
  const kind = step.kind ?? 'step';
  const started = performance.now();
  ctx.publish({ type: 'start', runId: ctx.state.runId, path: ctx.path, at: Date.now(), step: step.name, kind, attempt: ctx.attempt });
  try {
    const output = await step.run(input, ctx);
    ctx.publish({
      type: 'end', runId: ctx.state.runId, path: ctx.path, at: Date.now(), step: step.name, kind,
      attempt: ctx.attempt, durationMs: performance.now() - started,
    });
    return output;
  } catch (err) {
    ctx.publish(errorEvent(step, ctx, performance.now() - started, err));
    throw err;
  }
}

async function invokeJournaled<I, O>(journal: RunJournal, step: Step<I, O>, input: I, ctx: RunContext): Promise<O> {
  const recorded = await journal.lookup(ctx.state.runId, ctx.path);
  if (recorded) {
    if (ctx.state.lifecycle) {
      ctx.publish({
        type: 'end', runId: ctx.state.runId, path: ctx.path, at: Date.now(), step: step.name,
        kind: step.kind ?? 'step', attempt: ctx.attempt, durationMs: 0, replayed: true,
      });
    }
    return recorded.output as O;
  }
  const output = ctx.state.lifecycle ? await runObserved(step, input, ctx) : await runWithErrorEvent(step, input, ctx);
  await journal.record(ctx.state.runId, ctx.path, output);
  return output;
}

function errorEvent(step: Step<unknown, unknown>, ctx: RunContext, durationMs: number, error: unknown): StepEvent {
  return {
    type: 'error', runId: ctx.state.runId, path: ctx.path, at: Date.now(), step: step.name,
    kind: step.kind ?? 'step', attempt: ctx.attempt, durationMs, error,
  };
}
