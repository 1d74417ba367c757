export type { Step, AnyStep, Context, ContextMemory, ChildOptions, StepEvent, StepEventType, BreakerStateName, InputOf, OutputOf } from './types.js';
export { step, named, type StepOptions } from './step.js';
export { sequence } from './sequence.js';
export { run, type RunOptions } from './run.js';
export type { RunJournal } from './journal.js';
export { type EventSink, callbackSink } from './sink.js';
export { pinoSink, defaultLogger } from './logger.js';
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
