import type { Logger } from 'pino';
import { redactJson } from '../security/redact.js';
import type { MemoryBackend } from './backend.js';
import { MemoryClosedError } from './errors.js';
import { Journal } from './journal.js';
import { assertJson, stringifyWithLimit } from './json-value.js';
import { encodeSignal, MAX_SIGNAL_BYTES, SignalHub } from './signals.js';
import { indexWords, queryTerms } from './text-index.js';
import type {
  BackendKind, DurableJournal, EventsOptions, Json, ListOptions, MemoryEntry, MemoryStore, PutOptions, SearchHit,
  SearchOptions, SignalListener, TimelineEvent, Unsubscribe,
} from './types.js';
import { checkName, checkQuery, NO_ENV, parseOpts } from './validate.js';

/** What every store and journal on one connection shares. */
export interface StoreConfig {
  /** Largest serialized value, event or journaled output, in UTF-8 bytes. */
  maxValueBytes: number;
  /** Literal secrets to redact: the environment's secret values at open time plus any given explicitly. */
  secrets: readonly string[];
  logger: Logger;
}

const DEFAULT_LIST_LIMIT = 1000;
const DEFAULT_SEARCH_LIMIT = 10;
const DEFAULT_EVENTS_LIMIT = 1000;

/**
 * The MemoryStore every backend is wrapped in: it owns the rules (names, JSON-only values, size limit,
 * redaction before storage, option validation) so that backends only move bytes and cannot disagree.
 */
export class Store implements MemoryStore {
  #closed = false;
  #journal: Journal | undefined;
  #signals: SignalHub | undefined;

  constructor(readonly raw: MemoryBackend, readonly config: StoreConfig) {}

  get backend(): BackendKind {
    return this.raw.kind;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async put(ns: string, key: string, value: Json, opts?: PutOptions): Promise<void> {
    this.#ensureOpen();
    this.#name('ns', ns);
    this.#name('key', key);
    const { ttlMs } = parseOpts.put(opts);
    const { json, clean } = this.#encode(value, 'value');
    const now = Date.now();
    await this.raw.put(ns, key, {
      json,
      words: indexWords(key, clean),
      updatedAt: now,
      expiresAt: ttlMs === undefined ? null : now + ttlMs,
    });
  }

  async get(ns: string, key: string): Promise<Json | undefined> {
    this.#ensureOpen();
    this.#name('ns', ns);
    this.#name('key', key);
    const json = await this.raw.get(ns, key, Date.now());
    return json === undefined ? undefined : (JSON.parse(json) as Json);
  }

  async delete(ns: string, key: string): Promise<boolean> {
    this.#ensureOpen();
    this.#name('ns', ns);
    this.#name('key', key);
    return this.raw.delete(ns, key, Date.now());
  }

  async list(ns: string, opts?: ListOptions): Promise<MemoryEntry[]> {
    this.#ensureOpen();
    this.#name('ns', ns);
    const { prefix = '', limit = DEFAULT_LIST_LIMIT } = parseOpts.list(opts);
    const rows = await this.raw.list(ns, prefix, limit, Date.now());
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.json) as Json, updatedAt: new Date(r.updatedAt) }));
  }

  async search(ns: string, query: string, opts?: SearchOptions): Promise<SearchHit[]> {
    this.#ensureOpen();
    this.#name('ns', ns);
    const { limit = DEFAULT_SEARCH_LIMIT } = parseOpts.search(opts);
    const terms = queryTerms(checkQuery(query));
    if (terms.length === 0) return [];
    const hits = await this.raw.search(ns, terms, limit, Date.now());
    return hits.map((h) => ({ key: h.key, value: JSON.parse(h.json) as Json, score: h.score }));
  }

  async append(ns: string, event: Json): Promise<{ seq: number }> {
    this.#ensureOpen();
    this.#name('ns', ns);
    const { json } = this.#encode(event, 'event');
    const [seq] = await this.raw.append(ns, [json], Date.now());
    return { seq: seq! };
  }

  async appendMany(ns: string, events: readonly Json[]): Promise<{ seqs: number[] }> {
    this.#ensureOpen();
    this.#name('ns', ns);
    if (!Array.isArray(events)) throw new TypeError('appendMany(ns, events): events must be an array');
    // Encode everything first: one bad event refuses the whole batch before anything is written.
    const encoded = events.map((e, i) => this.#encode(e, `events[${i}]`).json);
    if (encoded.length === 0) return { seqs: [] };
    return { seqs: await this.raw.append(ns, encoded, Date.now()) };
  }

  async events(ns: string, opts?: EventsOptions): Promise<TimelineEvent[]> {
    this.#ensureOpen();
    this.#name('ns', ns);
    const { afterSeq = 0, limit = DEFAULT_EVENTS_LIMIT } = parseOpts.events(opts);
    const rows = await this.raw.events(ns, afterSeq, limit);
    return rows.map((r) => ({ seq: r.seq, at: new Date(r.at), event: JSON.parse(r.json) as Json }));
  }

  async publish(topic: string, payload: Json): Promise<void> {
    this.#ensureOpen();
    checkName('topic', topic, this.config.secrets);
    const { json } = this.#encode(payload, 'payload', Math.min(MAX_SIGNAL_BYTES, this.config.maxValueBytes));
    await this.raw.signals.publish(encodeSignal(topic, json));
  }

  async subscribe(topic: string, listener: SignalListener): Promise<Unsubscribe> {
    this.#ensureOpen();
    checkName('topic', topic, this.config.secrets);
    if (typeof listener !== 'function') throw new TypeError('subscribe(topic, listener): listener must be a function');
    return (this.#signals ??= new SignalHub(this.raw.signals, this.config.logger)).subscribe(topic, listener);
  }

  journal(): DurableJournal {
    return (this.#journal ??= new Journal(this.raw.journal, this.raw.kind, this.config, () => this.#ensureOpen()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      // Step outputs the journal is still batching are written before the connection goes.
      await this.#journal?.close();
    } finally {
      await this.#signals?.close();
      this.#closed = true;
      await this.raw.close();
    }
  }

  #ensureOpen(): void {
    if (this.#closed) throw new MemoryClosedError(this.raw.kind);
  }

  #name(field: 'ns' | 'key', value: string): void {
    checkName(field, value, this.config.secrets);
  }

  /** Validate (so the error names the caller's path), redact, then serialize with the size limit. */
  #encode(value: unknown, label: string, maxBytes = this.config.maxValueBytes): { json: string; clean: Json } {
    assertJson(value, label);
    const clean = redactJson(value, { secrets: this.config.secrets, env: NO_ENV });
    return { json: stringifyWithLimit(clean, label, maxBytes), clean };
  }
}
