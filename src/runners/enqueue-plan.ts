import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { InvalidOptionsError } from '../primitives/index.js';
import { parseOptions } from '../primitives/options.js';
import type { ResolvedQueue } from './config.js';
import type { WorkflowDefinition, WorkflowRegistry } from './registry.js';
import { PRIORITIES, type EnqueueOptions, type Priority } from './types.js';

const enqueueOptionsSchema = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,200}$/, 'letters, digits, _ . : @ - only (max 200)').optional(),
  queue: z.string().min(1).optional(),
  priority: z.enum(PRIORITIES).optional(),
  timeoutMs: z.number().int().positive().optional(),
  dedupeKey: z.string().min(1).max(500).optional(),
}).strict();

/** Everything a runner needs to submit one run, validated and with defaults applied. */
export interface EnqueuePlan {
  readonly definition: WorkflowDefinition<unknown, unknown>;
  readonly input: unknown;
  readonly runId: string;
  readonly queue: ResolvedQueue;
  readonly priority: Priority;
  readonly timeoutMs: number | undefined;
  readonly dedupeKey: string | undefined;
}

/**
 * Shared by both runners so they accept and reject exactly the same submissions: resolves the workflow by
 * name (UnknownWorkflowError), validates options (InvalidOptionsError naming the field) and the input (the
 * definition's `validate`), and picks queue and priority defaults from the definition.
 */
export function planEnqueue(
  registry: WorkflowRegistry,
  queues: ReadonlyMap<string, ResolvedQueue>,
  workflow: WorkflowDefinition<unknown, unknown> | string,
  input: unknown,
  options: EnqueueOptions | undefined,
): EnqueuePlan {
  const opts = options === undefined ? {} : parseOptions('enqueue', enqueueOptionsSchema, options);
  const definition = registry.get(typeof workflow === 'string' ? workflow : workflow.name);
  const queueName = opts.queue ?? definition.queue;
  const queue = queues.get(queueName);
  if (!queue) {
    throw new InvalidOptionsError('enqueue', [{ path: 'queue', message: `unknown queue '${queueName}'; configured: ${[...queues.keys()].join(', ')}` }]);
  }
  const checked = definition.validate ? definition.validate(input) : input;
  return {
    definition,
    input: checked,
    runId: opts.runId ?? randomUUID(),
    queue,
    priority: opts.priority ?? definition.priority,
    timeoutMs: opts.timeoutMs,
    dedupeKey: opts.dedupeKey,
  };
}
