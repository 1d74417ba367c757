/**
 * Memory and durable runs.
 *
 * - `openMemory(url)` -> MemoryStore: key/value entries with keyword search and an append-only timeline per
 *   namespace, on SQLite (default, `sqlite:PATH`), PostgreSQL, Redis or in-memory (`memory:`). Values are
 *   JSON only and redacted before storage.
 * - `scoped(store, ns)` -> `ctx.memory` for a run; `remember(key)` / `recall(key)` are steps over it.
 * - `store.journal()` / `openJournal(url)` -> DurableJournal for `run(step, input, { runId, journal })`:
 *   a re-run with the same runId after a crash replays completed steps and continues from the first
 *   incomplete one.
 *
 * Side effects and idempotency keys: a step that changes the world (opens a PR, deploys) can be interrupted
 * after the change but before its output is journaled; on resume it runs again. `ctx.idempotencyKey` is
 * derived from runId + step path, so it is the same on every attempt and in every process that resumes the
 * run: pass it to the outside world (GitHub's and most payment/deploy APIs accept one, or keep a ledger keyed
 * by it) and the second attempt becomes a no-op. Mark such steps `step(name, fn, { sideEffect: true })`.
 */
export type {
  Json, BackendKind, MemoryStore, MemoryEntry, SearchHit, TimelineEvent, PutOptions, ListOptions, SearchOptions,
  EventsOptions, DurableJournal, RunStatus, RunState, SignalListener, Unsubscribe,
} from './types.js';
export { MAX_SIGNAL_BYTES } from './signals.js';
export { openMemory, openJournal, openInProcessMemory, type OpenMemoryOptions } from './open.js';
export { DEFAULT_MEMORY_URL, parseMemoryUrl, type ParsedMemoryUrl } from './url.js';
export { scoped, type ScopedMemory } from './scoped.js';
export { remember, recall, type MemoryKey, type RememberOptions, type RecallOptions } from './steps.js';
export { DEFAULT_MAX_VALUE_BYTES } from './json-value.js';
export { describeStructure, type StructureEntry } from './structure.js';
export {
  MemoryValueError, MemoryValueTooLargeError, MemoryKeyError, MemoryUrlError, MemoryUnavailableError, MemoryClosedError,
  MemoryNotConfiguredError, JournalMismatchError, JournalOutputError,
} from './errors.js';
