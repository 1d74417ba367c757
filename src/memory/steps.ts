import { step } from '../primitives/step.js';
import type { Context, ContextMemory, Step } from '../primitives/types.js';
import { MemoryNotConfiguredError } from './errors.js';
import type { Json } from './types.js';

/** A fixed key, or one computed from the step's input (e.g. the service name under investigation). */
export type MemoryKey<I> = string | ((input: I, ctx: Context) => string);

export interface RememberOptions {
  /** Step name (default `remember(KEY)`); it is the step's path segment. */
  name?: string;
  ttlMs?: number;
}

export interface RecallOptions<T> {
  /** Step name (default `recall(KEY)`). */
  name?: string;
  /** Returned when nothing is stored under the key (default: undefined). */
  orElse?: T;
}

/**
 * A step that stores something in the run's memory and passes its input through unchanged.
 *
 * When to use: between two personas, to hand over a finding (`remember('diagnosis')` after the backend
 * engineer, `recall('diagnosis')` in the devops engineer's branch), or to keep evidence for the report.
 * What it does: stores `select(input)` (default: the input itself) under `key` in `ctx.memory`.
 * Gotchas: needs `run(..., { memory: scoped(store, ns) })` (else MemoryNotConfiguredError); the value must
 * be JSON and is redacted before storage, so do not expect secrets back from `recall`.
 *
 * @example
 * const workflow = sequence(diagnose, remember('diagnosis'), fix);
 * await run(workflow, alert, { memory: scoped(store, 'incident-42') });
 */
export function remember<I>(key: MemoryKey<I>, select?: (input: I, ctx: Context) => unknown, opts: RememberOptions = {}): Step<I, I> {
  const name = opts.name ?? `remember(${label(key)})`;
  const ttl = opts.ttlMs === undefined ? undefined : { ttlMs: opts.ttlMs };
  const inner = step(name, async (input: I, ctx: Context): Promise<I> => {
    const memory = requireMemory(ctx, name);
    const value = select ? await select(input, ctx) : input;
    await memory.put(resolveKey(key, input, ctx), value, ttl);
    return input;
  });
  return { ...inner, kind: 'remember' };
}

/**
 * A step that reads from the run's memory: its output is the stored value (or `orElse`), whatever its input.
 *
 * @example
 * const fix = sequence(recall<{ rootCause: string }>('diagnosis'), step('patch', (d) => writePatch(d?.rootCause)));
 */
export function recall<T = Json | undefined, I = unknown>(key: MemoryKey<I>, opts: RecallOptions<T> = {}): Step<I, T> {
  const name = opts.name ?? `recall(${label(key)})`;
  const inner = step(name, async (input: I, ctx: Context): Promise<T> => {
    const value = await requireMemory(ctx, name).get(resolveKey(key, input, ctx));
    return (value === undefined ? opts.orElse : value) as T;
  });
  return { ...inner, kind: 'recall' };
}

function requireMemory(ctx: Context, name: string): ContextMemory {
  if (!ctx.memory) throw new MemoryNotConfiguredError(name);
  return ctx.memory;
}

function resolveKey<I>(key: MemoryKey<I>, input: I, ctx: Context): string {
  return typeof key === 'function' ? key(input, ctx) : key;
}

/** Step names cannot contain '/', keys may: `incident/alert` becomes `remember(incident:alert)`. */
function label(key: MemoryKey<never>): string {
  return typeof key === 'function' ? 'dynamic' : key.replaceAll('/', ':');
}
