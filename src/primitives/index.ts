export type { Step, AnyStep, Context, ContextMemory, ChildOptions, StepEvent, StepEventType, BreakerStateName, InputOf, OutputOf } from './types.js';
export { step, named, type StepOptions } from './step.js';
export { sequence } from './sequence.js';
export { run, prepareRun, type RunOptions, type PreparedRunOptions, type PreparedRun } from './run.js';
export type { RunJournal } from './journal.js';
export { type EventSink, callbackSink } from './sink.js';
export { pinoSink, defaultLogger, stderrLogger } from './logger.js';
export { sleep, raceAbort, abortReason } from './abort.js';
export { idempotencyKey } from './context.js';
export {
  TimeoutError,
  BrokenCircuitError,
  BulkheadRejectedError,
  FallbackError,
  RouteNotFoundError,
  InvalidOptionsError,
  isAbortError,
} from './errors.js';
export { isStep } from './step.js';
export { parallel, type ParallelOptions, type Settled, type ParallelInput, type ParallelOutput, type ParallelSettled } from './parallel.js';
export { router, type RouterOptions } from './router.js';
export { fallback } from './fallback.js';
export { retry, withRetry, defaultRetryOn, retryAfterMs, type RetryOptions, type RetryInfo } from './retry.js';
export { backoff, type Backoff, type RandomSource, type ExponentialOptions, type Jitter } from './backoff/index.js';
export { timeout } from './timeout.js';
export { CircuitBreaker, circuitBreaker } from './circuit-breaker.js';
export type { BreakerOptions, BreakerSnapshot } from './breaker/options.js';
export type { BreakerState, BreakerTransition } from './breaker/types.js';
export type { FailureRateOptions } from './breaker/failure-rate.js';
export { bulkhead, type BulkheadOptions, type BulkheadStep } from './bulkhead.js';
export { cache, type CacheOptions, type CacheStep } from './cache.js';
export { otelSink, prometheusSink, type OtelSinkOptions, type PrometheusSinkOptions } from './sinks/index.js';
