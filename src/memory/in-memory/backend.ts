import type { JournalBackend, JournalBatch, MemoryBackend, RawEntry, RawEvent, RawHit, StoredDoc, StoredRun } from '../backend.js';
import { compareUtf8 } from '../byte-order.js';
import { idf, termWeights } from '../text-index.js';
import { InMemorySignals } from './signals.js';

interface Entry {
  json: string;
  weights: Map<string, number>;
  updatedAt: number;
  expiresAt: number | null;
}

/** One namespace: its entries and, per word, the keys indexed under it (so search never scans everything). */
interface Namespace {
  entries: Map<string, Entry>;
  postings: Map<string, Set<string>>;
}

const live = (e: Entry, now: number): boolean => e.expiresAt === null || e.expiresAt > now;

/**
 * The `memory:` backend: process-local maps, for tests and one-shot scripts. Values are kept as JSON text,
 * exactly like the durable backends, so a caller can never mutate what was stored through a returned object.
 * Search scores like the Redis backend (text-index.ts weights x idf) over an inverted index.
 */
export class InMemoryBackend implements MemoryBackend {
  readonly kind = 'memory' as const;
  readonly journal = new InMemoryJournal();
  readonly signals = new InMemorySignals();
  readonly #kv = new Map<string, Namespace>();
  readonly #events = new Map<string, RawEvent[]>();

  async put(ns: string, key: string, doc: StoredDoc): Promise<void> {
    let space = this.#kv.get(ns);
    if (!space) this.#kv.set(ns, (space = { entries: new Map(), postings: new Map() }));
    this.#remove(space, key);
    const entry = { json: doc.json, weights: termWeights(doc.words), updatedAt: doc.updatedAt, expiresAt: doc.expiresAt };
    space.entries.set(key, entry);
    for (const word of entry.weights.keys()) {
      let keys = space.postings.get(word);
      if (!keys) space.postings.set(word, (keys = new Set()));
      keys.add(key);
    }
  }

  async get(ns: string, key: string, now: number): Promise<string | undefined> {
    const entry = this.#kv.get(ns)?.entries.get(key);
    return entry && live(entry, now) ? entry.json : undefined;
  }

  async delete(ns: string, key: string, now: number): Promise<boolean> {
    const space = this.#kv.get(ns);
    const entry = space && this.#remove(space, key);
    return entry !== undefined && live(entry, now);
  }

  async list(ns: string, prefix: string, limit: number, now: number): Promise<RawEntry[]> {
    const space = this.#kv.get(ns);
    if (!space) return [];
    const out: RawEntry[] = [];
    for (const [key, e] of space.entries) {
      if (!live(e, now)) this.#remove(space, key);
      else if (key.startsWith(prefix)) out.push({ key, json: e.json, updatedAt: e.updatedAt });
    }
    out.sort((a, b) => compareUtf8(a.key, b.key));
    return out.slice(0, limit);
  }

  async search(ns: string, terms: readonly string[], limit: number, now: number): Promise<RawHit[]> {
    const space = this.#kv.get(ns);
    if (!space) return [];
    const candidates = new Set<string>();
    const weights = terms.map((t) => {
      const keys = space.postings.get(t);
      for (const key of keys ?? []) candidates.add(key);
      return idf(space.entries.size, keys?.size ?? 0);
    });
    const hits: RawHit[] = [];
    for (const key of candidates) {
      const e = space.entries.get(key);
      if (!e || !live(e, now)) continue;
      let score = 0;
      terms.forEach((t, i) => (score += (e.weights.get(t) ?? 0) * weights[i]!));
      hits.push({ key, json: e.json, score });
    }
    hits.sort((a, b) => b.score - a.score || compareUtf8(a.key, b.key));
    return hits.slice(0, limit);
  }

  async append(ns: string, events: readonly string[], at: number): Promise<number[]> {
    let timeline = this.#events.get(ns);
    if (!timeline) this.#events.set(ns, (timeline = []));
    const seqs: number[] = [];
    for (const json of events) {
      const seq = timeline.length + 1;
      timeline.push({ seq, at, json });
      seqs.push(seq);
    }
    return seqs;
  }

  async events(ns: string, afterSeq: number, limit: number): Promise<RawEvent[]> {
    // seq n lives at index n-1: the timeline is append-only.
    return (this.#events.get(ns) ?? []).slice(afterSeq, afterSeq + limit);
  }

  async close(): Promise<void> {
    await this.signals.stop();
    this.#kv.clear();
    this.#events.clear();
  }

  /** Everything stored, as text: lets tests prove what did (not) reach storage. */
  rawDump(): string {
    const kv = [...this.#kv].map(([ns, space]) => [ns, [...space.entries].map(([k, e]) => [k, e.json, [...e.weights.keys()]])]);
    return JSON.stringify({ kv, events: [...this.#events], journal: this.journal.rawDump() });
  }

  /** Removes an entry and its postings; returns it (undefined if absent). */
  #remove(space: Namespace, key: string): Entry | undefined {
    const entry = space.entries.get(key);
    if (!entry) return undefined;
    space.entries.delete(key);
    for (const word of entry.weights.keys()) {
      const keys = space.postings.get(word);
      keys?.delete(key);
      if (keys?.size === 0) space.postings.delete(word);
    }
    return entry;
  }
}

class InMemoryJournal implements JournalBackend {
  readonly #runs = new Map<string, StoredRun>();
  readonly #steps = new Map<string, Map<string, string | null>>();

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const run = this.#runs.get(runId);
    return run && { ...run };
  }

  async getSteps(runId: string): Promise<Map<string, string | null>> {
    return new Map(this.#steps.get(runId));
  }

  async getStep(runId: string, path: string): Promise<{ json: string | null } | undefined> {
    const steps = this.#steps.get(runId);
    if (!steps?.has(path)) return undefined;
    return { json: steps.get(path) ?? null };
  }

  async writeBatch(batch: JournalBatch): Promise<void> {
    for (const s of batch.starts) {
      const run = this.#runs.get(s.runId);
      if (run) Object.assign(run, { state: 'running', attempts: run.attempts + 1, finishedAt: null, error: null });
      else this.#runs.set(s.runId, { fingerprint: s.fingerprint, structure: s.structure, state: 'running', attempts: 1, startedAt: s.startedAt, finishedAt: null, error: null });
    }
    for (const { runId, path, json } of batch.steps) {
      let steps = this.#steps.get(runId);
      if (!steps) this.#steps.set(runId, (steps = new Map()));
      steps.set(path, json);
    }
    for (const f of batch.finishes) {
      const run = this.#runs.get(f.runId);
      if (run) Object.assign(run, { state: f.state, error: f.error, finishedAt: f.finishedAt });
    }
  }

  async countSteps(runId: string): Promise<number> {
    return this.#steps.get(runId)?.size ?? 0;
  }

  async forget(runId: string): Promise<boolean> {
    this.#steps.delete(runId);
    return this.#runs.delete(runId);
  }

  rawDump(): unknown {
    return { runs: [...this.#runs], steps: [...this.#steps].map(([id, m]) => [id, [...m]]) };
  }
}
