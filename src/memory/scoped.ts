import type { ContextMemory } from '../primitives/types.js';
import type { EventsOptions, Json, ListOptions, MemoryEntry, MemoryStore, PutOptions, SearchHit, SearchOptions, TimelineEvent } from './types.js';
import { checkName } from './validate.js';

/** A MemoryStore bound to one namespace: what `ctx.memory` is inside a run. */
export interface ScopedMemory extends ContextMemory {
  readonly namespace: string;
  readonly store: MemoryStore;
  get(key: string): Promise<Json | undefined>;
  put(key: string, value: unknown, opts?: PutOptions): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(opts?: ListOptions): Promise<MemoryEntry[]>;
  search(query: string, opts?: SearchOptions): Promise<SearchHit[]>;
  append(event: unknown): Promise<{ seq: number }>;
  events(opts?: EventsOptions): Promise<TimelineEvent[]>;
}

/**
 * Binds a store to a namespace, typically one incident.
 *
 * When to use: `run(workflow, input, { memory: scoped(store, 'incident-42') })` gives every step
 * `ctx.memory` on that namespace, so personas share findings without knowing where they are stored.
 * What it does: forwards each call to the store with the namespace filled in.
 * Gotchas: values still have to be JSON (checked at runtime: `put` takes `unknown` to fit ContextMemory);
 * closing the store is the caller's job.
 *
 * @example
 * const memory = scoped(await openMemory('memory:'), 'incident-42');
 * await memory.put('alert', { name: 'APIErrorRateHigh', errorRate: 0.15 });
 */
export function scoped(store: MemoryStore, namespace: string): ScopedMemory {
  checkName('ns', namespace, []);
  return {
    namespace,
    store,
    get: (key) => store.get(namespace, key),
    put: (key, value, opts) => store.put(namespace, key, value as Json, opts),
    delete: (key) => store.delete(namespace, key),
    list: (opts) => store.list(namespace, opts),
    search: (query, opts) => store.search(namespace, query, opts),
    append: (event) => store.append(namespace, event as Json),
    events: (opts) => store.events(namespace, opts),
  };
}
