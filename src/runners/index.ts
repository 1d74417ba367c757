export {
  PRIORITIES, DEFAULT_PRIORITY, priorityRank, priorityFromRank,
  type Priority, type RunPhase, type RunInfo, type EnqueueOptions, type ResultOptions, type RunHandle, type RunFilter, type Runner,
} from './types.js';
export { WorkflowRegistry, isWorkflowRegistry, type WorkflowDefinition, type DefineOptions } from './registry.js';
export {
  parseRunnerConfig, resolveQueues, maskDatabaseUrl, DEFAULT_QUEUES,
  runnerConfigSchema, localRunnerConfigSchema, dbosRunnerConfigSchema, queueConfigSchema,
  type RunnerConfig, type RunnerConfigInput, type LocalRunnerConfig, type DbosRunnerConfig, type DbosRunnerConfigInput,
  type QueueConfig, type ResolvedQueue,
} from './config.js';
export {
  QueueFullError, UnknownWorkflowError, WorkflowRegistrationError, RunNotFoundError, RunFailedError, RunCancelledError,
  ResultTimeoutError, WorkflowChangedError, RunnerConfigError, ExecutorIdInUseError, WorkerAlreadyRunningError, RunnerClosedError,
} from './errors.js';
export { structureFingerprint } from './fingerprint.js';
export { LocalRunner, type LocalRunnerOptions } from './local-runner.js';
export { DbosRunner } from './dbos/runner.js';
export { DbosWorker, type DbosWorkerOptions } from './dbos/worker.js';
export { DbosStepJournal } from './dbos/journal.js';
export { createRunner, type CreateRunnerOptions } from './create-runner.js';
export { loadWorkflowModules } from './load-workflows.js';
