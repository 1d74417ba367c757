import type { ChainableCommander } from 'ioredis';
import type { JournalBackend, JournalBatch, StoredRun } from '../backend.js';
import type { RunState } from '../types.js';
import { tag, type ScriptedRedis } from './keys.js';

/** The scripts of scripts.ts are also available inside MULTI (registered with defineCommand). */
type ScriptedMulti = ChainableCommander & {
  fbStartRun(...args: (string | number)[]): ScriptedMulti;
  fbFinishRun(...args: (string | number)[]): ScriptedMulti;
};

/**
 * Journal storage on the store's Redis connection: one hash per run (its fingerprint, structure and state)
 * and one hash per run of step path -> output, where 'u' is a recorded `undefined` and 'j…' a JSON output.
 * A batch of writes is one MULTI/EXEC transaction.
 */
export class RedisJournal implements JournalBackend {
  constructor(private readonly client: ScriptedRedis, private readonly prefix: string) {}

  async getRun(runId: string): Promise<StoredRun | undefined> {
    const h = await this.client.hgetall(this.#run(runId));
    if (h.fingerprint === undefined) return undefined;
    return {
      fingerprint: h.fingerprint,
      structure: h.structure ?? '[]',
      state: (h.state ?? 'running') as RunState,
      attempts: Number(h.attempts ?? 1),
      startedAt: Number(h.startedAt ?? 0),
      finishedAt: h.finishedAt ? Number(h.finishedAt) : null,
      error: h.error ? h.error : null,
    };
  }

  async getSteps(runId: string): Promise<Map<string, string | null>> {
    const h = await this.client.hgetall(this.#steps(runId));
    return new Map(Object.entries(h).map(([path, v]) => [path, decode(v)]));
  }

  async getStep(runId: string, path: string): Promise<{ json: string | null } | undefined> {
    const value = await this.client.hget(this.#steps(runId), path);
    return value === null ? undefined : { json: decode(value) };
  }

  async writeBatch(batch: JournalBatch): Promise<void> {
    const multi = this.client.multi() as ScriptedMulti;
    for (const r of batch.starts) multi.fbStartRun(this.#run(r.runId), r.fingerprint, r.structure, r.startedAt);
    const byRun = new Map<string, string[]>();
    for (const r of batch.steps) {
      let fields = byRun.get(r.runId);
      if (!fields) byRun.set(r.runId, (fields = []));
      fields.push(r.path, r.json === null ? 'u' : 'j' + r.json);
    }
    for (const [runId, fields] of byRun) multi.hset(this.#steps(runId), ...fields);
    for (const r of batch.finishes) multi.fbFinishRun(this.#run(r.runId), r.state, r.finishedAt, r.error ?? '');
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('redis MULTI was discarded');
  }

  async countSteps(runId: string): Promise<number> {
    return this.client.hlen(this.#steps(runId));
  }

  async forget(runId: string): Promise<boolean> {
    const [removed] = await Promise.all([this.client.del(this.#run(runId)), this.client.del(this.#steps(runId))]);
    return removed > 0;
  }

  #run(runId: string): string {
    return `${this.prefix}run:${tag(runId)}`;
  }

  #steps(runId: string): string {
    return `${this.prefix}steps:${tag(runId)}`;
  }
}

function decode(stored: string): string | null {
  return stored === 'u' ? null : stored.slice(1);
}
