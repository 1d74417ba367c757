import type { IndexedWords } from './text-index.js';
import type { BackendKind, RunState } from './types.js';

/**
 * What a storage engine implements. Everything here is already validated, redacted and serialized by the
 * Store / Journal layer (store.ts, journal.ts): a backend only moves strings and numbers, so the rules
 * (JSON only, size limit, redaction, key checks) live in one place and cannot drift between backends.
 * Times are epoch milliseconds taken from the caller's clock.
 */
export interface MemoryBackend {
  readonly kind: BackendKind;
  put(ns: string, key: string, doc: StoredDoc): Promise<void>;
  get(ns: string, key: string, now: number): Promise<string | undefined>;
  /** True when a live (unexpired) entry was removed. */
  delete(ns: string, key: string, now: number): Promise<boolean>;
  list(ns: string, prefix: string, limit: number, now: number): Promise<RawEntry[]>;
  /** `terms` are distinct, non-empty words from text-index.ts. Best first. */
  search(ns: string, terms: readonly string[], limit: number, now: number): Promise<RawHit[]>;
  /** Appends all events in one atomic step; returns their seqs, ascending. */
  append(ns: string, events: readonly string[], at: number): Promise<number[]>;
  events(ns: string, afterSeq: number, limit: number): Promise<RawEvent[]>;
  readonly journal: JournalBackend;
  /** Cross-process signals on the same database / server / file (signals.ts holds the per-topic rules). */
  readonly signals: SignalTransport;
  /** Releases the connection, the signal connection included. */
  close(): Promise<void>;
}

/**
 * How a backend carries signals between processes: one channel per store (per table or key prefix), every
 * topic on it. Messages are opaque strings already validated, redacted and size-checked by the store; the
 * transport neither stores nor retries them (a subscriber that was not listening misses a message).
 */
export interface SignalTransport {
  /**
   * Starts listening: once it resolves, every message published on this backend's channel from then on —
   * by any process, this one included — is passed to `deliver`. Called only while stopped.
   */
  start(deliver: (message: string) => void): Promise<void>;
  /** Stops listening and releases whatever start() opened (a dedicated connection, a timer). Idempotent. */
  stop(): Promise<void>;
  publish(message: string): Promise<void>;
}

export interface StoredDoc {
  json: string;
  words: IndexedWords;
  updatedAt: number;
  /** null: never expires. */
  expiresAt: number | null;
}

export interface RawEntry {
  key: string;
  json: string;
  updatedAt: number;
}

export interface RawHit {
  key: string;
  json: string;
  score: number;
}

export interface RawEvent {
  seq: number;
  at: number;
  json: string;
}

export interface StoredRun {
  fingerprint: string;
  /** JSON array of structure lines (structure.ts). */
  structure: string;
  state: RunState;
  attempts: number;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
}

export interface StepRecord {
  runId: string;
  path: string;
  /** null: a recorded `undefined` output. */
  json: string | null;
  recordedAt: number;
}

/** Create the run, or — if it exists — mark it running again and increment its attempts. */
export interface RunStart {
  runId: string;
  fingerprint: string;
  structure: string;
  startedAt: number;
}

export interface RunFinish {
  runId: string;
  state: RunState;
  error: string | null;
  finishedAt: number;
}

/** Journal writes stored together, atomically, in this order: starts, steps, finishes. */
export interface JournalBatch {
  starts: readonly RunStart[];
  steps: readonly StepRecord[];
  finishes: readonly RunFinish[];
}

/** Storage for run journals; see journal.ts for the semantics built on it. */
export interface JournalBackend {
  getRun(runId: string): Promise<StoredRun | undefined>;
  /** Every recorded output of a run, by path (null: a recorded `undefined`). */
  getSteps(runId: string): Promise<Map<string, string | null>>;
  /** `json: null` is a recorded `undefined` output; undefined means nothing was recorded. */
  getStep(runId: string, path: string): Promise<{ json: string | null } | undefined>;
  /** Stores a batch atomically (one transaction / MULTI); a finish for an unknown run is ignored. */
  writeBatch(batch: JournalBatch): Promise<void>;
  countSteps(runId: string): Promise<number>;
  /** Deletes the run and its steps; true if the run existed. */
  forget(runId: string): Promise<boolean>;
}
