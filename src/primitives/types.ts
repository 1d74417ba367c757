import type { Logger } from 'pino';

/**
 * A unit of work. Everything in firebreak — a plain function, a persona, a whole incident workflow — is a Step,
 * so every combinator composes with every other.
 */
export interface Step<I, O> {
  readonly name: string;
  /** What made this step ('step', 'sequence', 'retry', 'persona', …); shown in events and structure checks. */
  readonly kind?: string;
  /**
   * A transparent step (retry, timeout, circuitBreaker, bulkhead, cache, unnamed combinators) adds no segment
   * to the path and emits no start/end of its own: the steps it wraps are what the timeline shows.
   */
  readonly transparent?: boolean;
  /** The steps this one is built from, for structure fingerprints and docs; order matters. */
  readonly children?: readonly AnyStep[];
  /** Marks a step whose effects reach the world (opening a PR, deploying); see Context.idempotencyKey. */
  readonly sideEffect?: boolean;
  /** false: never record this step's output in a run journal (output is not JSON, or is cheap to redo). */
  readonly durable?: boolean;
  run(input: I, ctx: Context): Promise<O>;
}

// biome-ignore lint: the variance of Step's parameters makes `any` the only sound "some step" type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStep = Step<any, any>;

export type InputOf<S> = S extends Step<infer I, unknown> ? I : never;
export type OutputOf<S> = S extends Step<never, infer O> ? O : never;

/** Options for running a child step from inside a combinator. */
export interface ChildOptions {
  /** A narrower signal (a timeout's, a parallel group's); must follow the parent's. */
  signal?: AbortSignal;
  /** 1-based attempt number, set by retry. */
  attempt?: number;
  /** Path segment to use instead of the step's name (parallel uses its branch keys). */
  segment?: string;
}

/**
 * Minimal view of memory that the primitives layer knows about. The memory module's stores implement it;
 * `ctx.memory` is scoped to the run's namespace.
 */
export interface ContextMemory {
  readonly namespace: string;
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown, opts?: { ttlMs?: number }): Promise<void>;
  append(event: unknown): Promise<{ seq: number }>;
}

/** Everything a running step can see. Created by the runner; never construct one by hand (use `run`). */
export interface Context {
  readonly runId: string;
  /** Slash-separated location in the workflow, e.g. `incident/observability/query_prometheus`. */
  readonly path: string;
  readonly signal: AbortSignal;
  readonly attempt: number;
  /** A pino logger bound to runId and path (created on first use). */
  readonly log: Logger;
  readonly memory: ContextMemory | undefined;
  /** Stable across re-runs of the same runId: derived from runId + path, for de-duplicating side effects. */
  readonly idempotencyKey: string;
  /** Publish a custom event (tool call, persona turn, approval) to the run's one event stream. */
  emit(name: string, data?: Record<string, unknown>): void;
  /** Run a child step through the runner: the one place that emits events, journals and checks cancellation. */
  run<I, O>(step: Step<I, O>, input: I, opts?: ChildOptions): Promise<O>;
}

export type BreakerStateName = 'closed' | 'open' | 'half-open' | 'isolated';

interface EventBase {
  runId: string;
  path: string;
  /** Epoch milliseconds. */
  at: number;
}

export type StepEvent =
  | (EventBase & { type: 'start'; step: string; kind: string; attempt: number })
  | (EventBase & { type: 'end'; step: string; kind: string; attempt: number; durationMs: number; replayed?: boolean })
  | (EventBase & { type: 'error'; step: string; kind: string; attempt: number; durationMs: number; error: unknown })
  | (EventBase & { type: 'retry'; step: string; attempt: number; delayMs: number; error: unknown })
  | (EventBase & { type: 'breaker'; breaker: string; from: BreakerStateName; to: BreakerStateName })
  | (EventBase & { type: 'custom'; name: string; data: Record<string, unknown> });

export type StepEventType = StepEvent['type'];
