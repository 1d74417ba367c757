import { Redis } from 'ioredis';
import type { MemoryBackend, RawEntry, RawEvent, RawHit, StoredDoc } from '../backend.js';
import { compareUtf8 } from '../byte-order.js';
import { idf, termWeights } from '../text-index.js';
import { RedisJournal } from './journal.js';
import { tag, type ScriptedRedis } from './keys.js';
import { APPEND, DELETE, FINISH_RUN, PUT, START_RUN } from './scripts.js';
import { RedisSignals } from './signals.js';

/** An entry is indexed under at most this many distinct words: bounds the work of one put. */
const MAX_INDEXED_WORDS = 5000;
const PAGE = 200;

/**
 * Redis backend (`ioredis`), no modules assumed. Writes are Lua scripts (scripts.ts), so an entry and its
 * word index change atomically, and timeline seqs come from INCRBY inside the same script that stores the
 * events. Search scores entries like the in-memory backend: sum over query words of idf x stored weight,
 * computed server-side with ZUNION ... WEIGHTS.
 */
export class RedisBackend implements MemoryBackend {
  readonly kind = 'redis' as const;
  readonly journal: RedisJournal;
  readonly signals: RedisSignals;

  private constructor(private readonly client: ScriptedRedis, private readonly prefix: string) {
    this.journal = new RedisJournal(client, prefix);
    this.signals = new RedisSignals(client, prefix);
  }

  /** Connects (failing fast if the server is unreachable) and registers the scripts. */
  static async open(url: string, prefix: string): Promise<RedisBackend> {
    let connected = false;
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5000,
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
      // No retries while opening (report the failure); after that, reconnect with a capped backoff.
      retryStrategy: (times: number) => (connected ? Math.min(times * 200, 2000) : null),
    });
    // Errors are reported to the caller of the failing command; the event must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
      connected = true;
    } catch (err) {
      client.disconnect();
      throw err;
    }
    client.defineCommand('fbPut', { numberOfKeys: 4, lua: PUT });
    client.defineCommand('fbDelete', { numberOfKeys: 4, lua: DELETE });
    client.defineCommand('fbAppend', { numberOfKeys: 2, lua: APPEND });
    client.defineCommand('fbStartRun', { numberOfKeys: 1, lua: START_RUN });
    client.defineCommand('fbFinishRun', { numberOfKeys: 1, lua: FINISH_RUN });
    return new RedisBackend(client as ScriptedRedis, prefix);
  }

  async put(ns: string, key: string, doc: StoredDoc): Promise<void> {
    const weights = [...termWeights(doc.words)].slice(0, MAX_INDEXED_WORDS).flatMap(([w, weight]) => [w, weight]);
    const record = `${doc.updatedAt}:${doc.expiresAt ?? 0}:${doc.json}`;
    await this.client.fbPut(...this.#entryKeys(ns), key, record, doc.expiresAt ?? 0, doc.updatedAt, this.#wordPrefix(ns), ...weights);
  }

  async get(ns: string, key: string, now: number): Promise<string | undefined> {
    const record = await this.client.hget(this.#key('kv', ns), key);
    return record === null ? undefined : liveJson(record, now);
  }

  async delete(ns: string, key: string, now: number): Promise<boolean> {
    const record = await this.client.fbDelete(...this.#entryKeys(ns), key, this.#wordPrefix(ns));
    return record !== null && liveJson(record, now) !== undefined;
  }

  async list(ns: string, prefix: string, limit: number, now: number): Promise<RawEntry[]> {
    // Lex ranges compare bytes: every UTF-8 key starting with `prefix` sorts below prefix + 0xFF.
    const min = prefix === '' ? '-' : Buffer.concat([Buffer.from('['), Buffer.from(prefix)]);
    const max = prefix === '' ? '+' : Buffer.concat([Buffer.from('['), Buffer.from(prefix), Buffer.from([0xff])]);
    const out: RawEntry[] = [];
    // Expired entries may still be in the key index: page until `limit` live ones are found.
    for (let offset = 0; out.length < limit; offset += PAGE) {
      const keys = await this.client.zrangebylex(this.#key('keys', ns), min, max, 'LIMIT', offset, PAGE);
      if (keys.length === 0) break;
      const records = await this.client.hmget(this.#key('kv', ns), ...keys);
      keys.forEach((key, i) => {
        const record = records[i];
        if (record === null || record === undefined || out.length >= limit) return;
        const json = liveJson(record, now);
        if (json !== undefined) out.push({ key, json, updatedAt: Number(record.slice(0, record.indexOf(':'))) });
      });
      if (keys.length < PAGE) break;
    }
    return out;
  }

  async search(ns: string, terms: readonly string[], limit: number, now: number): Promise<RawHit[]> {
    const wordKeys = terms.map((t) => this.#wordPrefix(ns) + t);
    const counts = await Promise.all([this.client.zcard(this.#key('keys', ns)), ...wordKeys.map((k) => this.client.zcard(k))]);
    const documents = counts[0]!;
    const used = wordKeys.flatMap((k, i) => (counts[i + 1]! > 0 ? [{ key: k, weight: idf(documents, counts[i + 1]!) }] : []));
    if (used.length === 0) return [];
    const flat = await this.client.zunion(used.length, ...used.map((u) => u.key), 'WEIGHTS', ...used.map((u) => u.weight), 'WITHSCORES');
    const ranked: { key: string; score: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) ranked.push({ key: flat[i]!, score: Number(flat[i + 1]) });
    ranked.sort((a, b) => b.score - a.score || compareUtf8(a.key, b.key));
    const hits: RawHit[] = [];
    for (let i = 0; i < ranked.length && hits.length < limit; i += PAGE) {
      const page = ranked.slice(i, i + PAGE);
      const records = await this.client.hmget(this.#key('kv', ns), ...page.map((r) => r.key));
      page.forEach((r, j) => {
        const record = records[j];
        const json = record === null || record === undefined ? undefined : liveJson(record, now);
        if (json !== undefined && hits.length < limit) hits.push({ key: r.key, json, score: r.score });
      });
    }
    return hits;
  }

  async append(ns: string, events: readonly string[], at: number): Promise<number[]> {
    const first = await this.client.fbAppend(this.#key('seq', ns), this.#key('ev', ns), at, ...events);
    return events.map((_, i) => first + i);
  }

  async events(ns: string, afterSeq: number, limit: number): Promise<RawEvent[]> {
    const members = await this.client.zrangebyscore(this.#key('ev', ns), `(${afterSeq}`, '+inf', 'LIMIT', 0, limit);
    return members.map((m) => {
      const a = m.indexOf(':');
      const b = m.indexOf(':', a + 1);
      return { seq: Number(m.slice(0, a)), at: Number(m.slice(a + 1, b)), json: m.slice(b + 1) };
    });
  }

  async close(): Promise<void> {
    await this.signals.stop();
    await this.client.quit().catch(() => this.client.disconnect());
  }

  #key(kind: string, ns: string): string {
    return `${this.prefix}${kind}:${tag(ns)}`;
  }

  #wordPrefix(ns: string): string {
    return `${this.prefix}w:${tag(ns)}:`;
  }

  /** KEYS of the PUT and DELETE scripts, in their order. */
  #entryKeys(ns: string): [string, string, string, string] {
    return [this.#key('kv', ns), this.#key('keys', ns), this.#key('exp', ns), this.#key('words', ns)];
  }
}

/** The JSON of a "updatedAt:expiresAt:json" record, or undefined if it has expired. */
function liveJson(record: string, now: number): string | undefined {
  const a = record.indexOf(':');
  const b = record.indexOf(':', a + 1);
  const expiresAt = Number(record.slice(a + 1, b));
  return expiresAt !== 0 && expiresAt <= now ? undefined : record.slice(b + 1);
}
