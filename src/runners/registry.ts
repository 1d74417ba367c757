import { createHash } from 'node:crypto';
import type { Step } from '../primitives/index.js';
import { UnknownWorkflowError, WorkflowRegistrationError } from './errors.js';
import { structureFingerprint } from './fingerprint.js';
import { DEFAULT_PRIORITY, PRIORITIES, type Priority } from './types.js';

/** One named, runnable workflow: what a runner needs to execute `step` for an enqueued input. */
export interface WorkflowDefinition<I, O> {
  readonly name: string;
  readonly step: Step<I, O>;
  /** Queue its runs wait in unless the enqueue call names another. */
  readonly queue: string;
  readonly priority: Priority;
  /** Checks the input at enqueue time (and again before a worker runs it); its errors name the bad field. */
  readonly validate?: (input: unknown) => I;
  readonly description?: string;
}

export interface DefineOptions<I> {
  /** Default 'incidents'. */
  queue?: string;
  /** Default p2. */
  priority?: Priority;
  /** e.g. `(v) => alertSchema.parse(v)`. */
  validate?: (input: unknown) => I;
  description?: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/;

/**
 * Workflows by name. DBOS needs every workflow registered, under a stable name, before a worker launches —
 * and a queued run names its workflow, so every worker must build the same registry (export it from a module
 * and load that module in every process: `firebreak worker --workflows ./workflows.js`).
 *
 * @example
 * const registry = new WorkflowRegistry();
 * const triage = registry.define('triage', sequence(fetchAlert, classify), { queue: 'incidents', priority: 'p1' });
 * await runner.enqueue(triage, alert);
 */
export class WorkflowRegistry {
  readonly #byName = new Map<string, WorkflowDefinition<unknown, unknown>>();
  #sealed: string | undefined;

  /** Registers `step` under `name`; throws WorkflowRegistrationError on a bad or duplicate name, or once sealed. */
  define<I, O>(name: string, step: Step<I, O>, opts: DefineOptions<I> = {}): WorkflowDefinition<I, O> {
    if (this.#sealed) throw new WorkflowRegistrationError(`cannot define '${name}': ${this.#sealed}`);
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new WorkflowRegistrationError(`workflow name '${String(name)}' must match ${NAME.source}`);
    }
    if (this.#byName.has(name)) throw new WorkflowRegistrationError(`workflow '${name}' is already registered`);
    if (!step || typeof step.run !== 'function') throw new WorkflowRegistrationError(`workflow '${name}': not a step`);
    const priority = opts.priority ?? DEFAULT_PRIORITY;
    if (!PRIORITIES.includes(priority)) {
      throw new WorkflowRegistrationError(`workflow '${name}': priority must be one of ${PRIORITIES.join(', ')}`);
    }
    const queue = opts.queue ?? 'incidents';
    if (!NAME.test(queue)) throw new WorkflowRegistrationError(`workflow '${name}': queue name '${queue}' must match ${NAME.source}`);
    const definition: WorkflowDefinition<I, O> = {
      name,
      step,
      queue,
      priority,
      ...(opts.validate ? { validate: opts.validate } : {}),
      ...(opts.description ? { description: opts.description } : {}),
    };
    this.#byName.set(name, definition as WorkflowDefinition<unknown, unknown>);
    return definition;
  }

  /** Copies every definition of `other` into this registry (a worker loading several workflow modules). */
  merge(other: WorkflowRegistry): this {
    for (const def of other.list()) this.define(def.name, def.step, def);
    return this;
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** Throws UnknownWorkflowError naming the registered workflows. */
  get(name: string): WorkflowDefinition<unknown, unknown> {
    const def = this.#byName.get(name);
    if (!def) throw new UnknownWorkflowError(name, this.names());
    return def;
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  list(): WorkflowDefinition<unknown, unknown>[] {
    return this.names().map((n) => this.#byName.get(n) as WorkflowDefinition<unknown, unknown>);
  }

  /** Queue names the definitions use. */
  queues(): string[] {
    return [...new Set(this.list().map((d) => d.queue))].sort();
  }

  /**
   * A hash over every workflow's name, queue and step structure: the default DBOS application version, so
   * workers of a changed registry never replay runs recorded by a different one.
   */
  fingerprint(): string {
    const hash = createHash('sha256');
    for (const def of this.list()) hash.update(`${def.name}\0${def.queue}\0${structureFingerprint(def.step)}\n`);
    return hash.digest('hex');
  }

  /** Forbids further definitions (a DBOS worker seals the registry at launch). */
  seal(reason: string): void {
    this.#sealed = reason;
  }
}

/** Duck-typed check for a registry exported by a user module (it may come from another copy of firebreak). */
export function isWorkflowRegistry(value: unknown): value is WorkflowRegistry {
  return typeof value === 'object' && value !== null && typeof (value as WorkflowRegistry).define === 'function'
    && typeof (value as WorkflowRegistry).list === 'function' && typeof (value as WorkflowRegistry).fingerprint === 'function';
}
