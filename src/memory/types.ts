import type { RunJournal } from '../primitives/journal.js';

/** A JSON value: what memory stores, what a timeline event is, what a journaled step output must be. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Which storage engine a store or journal talks to. */
export type BackendKind = 'sqlite' | 'postgres' | 'redis' | 'memory';

export interface PutOptions {
  /** Time to live: after this many milliseconds get/list/search no longer see the entry. */
  ttlMs?: number;
}

export interface ListOptions {
  /** Only keys starting with this string. */
  prefix?: string;
  /** At most this many entries (default 1000, max 10000). */
  limit?: number;
}

export interface SearchOptions {
  /** At most this many hits (default 10, max 1000). */
  limit?: number;
}

export interface EventsOptions {
  /** Only events with a seq greater than this (default 0: from the start). */
  afterSeq?: number;
  /** At most this many events (default 1000, max 10000). */
  limit?: number;
}

export interface MemoryEntry {
  key: string;
  value: Json;
  updatedAt: Date;
}

export interface SearchHit {
  key: string;
  value: Json;
  /** Higher is better; only comparable within one result list. */
  score: number;
}

export interface TimelineEvent {
  seq: number;
  at: Date;
  event: Json;
}

/** Gets the payload of each signal published on a topic (see MemoryStore.subscribe). */
export type SignalListener = (payload: Json) => void;

/** Ends a subscription; calling it again does nothing. */
export type Unsubscribe = () => Promise<void>;

/**
 * Where personas keep what they learned during an incident and hand it to each other: key/value entries per
 * namespace (with keyword search) and an append-only timeline per namespace.
 *
 * Every backend (SQLite, PostgreSQL, Redis, in-memory) behaves the same; test/memory/conformance.ts is the
 * contract. Values are JSON and are redacted (src/security/redact.ts) before they are stored.
 */
export interface MemoryStore {
  readonly backend: BackendKind;
  /** Stores `value` under (ns, key), replacing any previous value. Refuses non-JSON or oversized values. */
  put(ns: string, key: string, value: Json, opts?: PutOptions): Promise<void>;
  /** The stored value, or undefined when absent or expired. */
  get(ns: string, key: string): Promise<Json | undefined>;
  /** True when a live entry was removed. */
  delete(ns: string, key: string): Promise<boolean>;
  /** Live entries in ascending key order (byte order). */
  list(ns: string, opts?: ListOptions): Promise<MemoryEntry[]>;
  /**
   * Keyword search over keys, value property names and value text, best first. A hit matches at least one
   * query word; matching more words, or matching in the key, ranks higher. Words are case-insensitive runs of
   * letters and digits (`root_cause` is the words `root` and `cause`); no stemming, no prefixes.
   */
  search(ns: string, query: string, opts?: SearchOptions): Promise<SearchHit[]>;
  /** Appends to the namespace's timeline; seq is strictly increasing per namespace, even across processes. */
  append(ns: string, event: Json): Promise<{ seq: number }>;
  /** Appends several events atomically (one transaction): much faster than a loop of `append`. */
  appendMany(ns: string, events: readonly Json[]): Promise<{ seqs: number[] }>;
  /** Timeline events in seq order. */
  events(ns: string, opts?: EventsOptions): Promise<TimelineEvent[]>;
  /**
   * Sends a small JSON payload (at most 4 KiB serialized, redacted like values) to every subscriber of `topic`
   * on the same backend — the same SQLite file, PostgreSQL database or Redis server, under the same prefix —
   * in any process, this one included. Not stored: a subscriber that is not listening misses it, so use a
   * signal to say "look now" and keep the state itself in entries or timelines.
   */
  publish(topic: string, payload: Json): Promise<void>;
  /**
   * Calls `listener` with each payload published on `topic` once the returned promise resolved, until the
   * returned unsubscribe is called or the store closes. PostgreSQL: LISTEN/NOTIFY on one dedicated
   * connection; Redis: pub/sub on a duplicated connection; SQLite: polling (a few times a second, cheap while
   * nothing changes); `memory:`: in-process, this store only. A subscription keeps the process alive like an
   * open socket: unsubscribe, or close the store.
   */
  subscribe(topic: string, listener: SignalListener): Promise<Unsubscribe>;
  /** A run journal on the same connection; closing it does nothing (the store owns the connection). */
  journal(): DurableJournal;
  /** Releases the connection (and the signal connection); further calls fail with MemoryClosedError. */
  close(): Promise<void>;
}

export type RunState = 'running' | 'completed' | 'failed';

export interface RunStatus {
  runId: string;
  state: RunState;
  /** How many times `begin` was called for this runId (1 for a run never resumed). */
  attempts: number;
  /** Number of step outputs recorded. */
  steps: number;
  startedAt: Date;
  finishedAt?: Date;
  error?: string;
}

/**
 * A RunJournal (src/primitives/journal.ts) that persists: pass it to `run(step, input, { runId, journal })`
 * and a re-run with the same runId after a crash replays completed steps instead of executing them again.
 */
export interface DurableJournal extends RunJournal {
  readonly backend: BackendKind;
  finish(runId: string, outcome: { ok: boolean; error?: string }): Promise<void>;
  /** What the journal knows about a run, or undefined if it never began. */
  status(runId: string): Promise<RunStatus | undefined>;
  /** Deletes a run's records (to re-run it from scratch, or after a workflow change). True if it existed. */
  forget(runId: string): Promise<boolean>;
  close(): Promise<void>;
}
