import { DBOS } from '@dbos-inc/dbos-sdk';
// Internal DBOS entry point (exported under "./internal/*"): the executor's cancellation watch, one shared
// poller for every running workflow, is how a cancel or a workflow timeout reaches the run's AbortSignal.
import { DBOSExecutor } from '@dbos-inc/dbos-sdk/internal/dbos-executor';
import type { Logger } from 'pino';
import { run, type ContextMemory, type EventSink, type StepEvent } from '../../primitives/index.js';
import type { WorkflowDefinition, WorkflowRegistry } from '../registry.js';
import { DbosStepJournal, type StepLister } from './journal.js';

/** What a worker's runs share: where their events go, their memory, and how the journal reads recorded steps. */
export interface RunEnvironment {
  readonly logger: Logger;
  readonly listSteps: StepLister;
  readonly onEvent?: (event: StepEvent) => void;
  readonly sinks?: readonly EventSink[];
  readonly memory?: (runId: string, workflow: string) => ContextMemory | undefined;
}

/**
 * Registers every workflow of the registry as a DBOS workflow of the same name. Must happen before
 * DBOS.launch, identically in every worker: a queued run names its workflow, and recovery needs it too.
 */
export function registerDbosWorkflows(registry: WorkflowRegistry, env: RunEnvironment): void {
  for (const definition of registry.list()) {
    DBOS.registerWorkflow(async (input: unknown) => executeRun(definition, input, env), { name: definition.name });
  }
}

/**
 * One firebreak run as the body of a DBOS workflow: the workflow id is the runId (so `ctx.idempotencyKey`
 * is stable across recoveries), the DBOS step journal checkpoints each journaled step, and a DBOS cancel
 * or workflow timeout aborts `ctx.signal`, so steps that honour it stop at once rather than at the next
 * checkpoint.
 */
async function executeRun(definition: WorkflowDefinition<unknown, unknown>, input: unknown, env: RunEnvironment): Promise<unknown> {
  const runId = DBOS.workflowID as string;
  const memory = env.memory?.(runId, definition.name);
  const cancellation = (DBOSExecutor.globalInstance as DBOSExecutor).systemDatabase.watchForCancellation(runId);
  try {
    return await run(definition.step, definition.validate ? definition.validate(input) : input, {
      runId,
      signal: cancellation.signal,
      journal: new DbosStepJournal(env.listSteps, definition.name),
      logger: env.logger,
      ...(env.onEvent ? { onEvent: env.onEvent } : {}),
      ...(env.sinks ? { sinks: env.sinks } : {}),
      ...(memory ? { memory } : {}),
    });
  } finally {
    cancellation.release();
  }
}
