import type { Logger } from 'pino';
import type { Json, MemoryStore } from '../memory/types.js';
import type { IncidentRecord, IncidentSummary } from './incident.js';
import type { IncidentContext } from './incident-context.js';

/** The namespace listing every incident (key: id, value: summary). */
export const INCIDENTS_NS = 'incidents';

/**
 * Incident records in a memory store: the record and the context under the incident's own namespace
 * (`incident-<id>`, next to the personas' findings), a summary in `incidents`. Saves are coalesced — a busy
 * incident changes its record dozens of times a second — and serialised, so the stored record is always the
 * latest complete one.
 */
export class IncidentStore {
  readonly #dirty = new Map<string, IncidentRecord>();
  #chain: Promise<void> = Promise.resolve();
  #scheduled = false;

  constructor(private readonly memory: MemoryStore, private readonly logger?: Logger) {}

  async create(record: IncidentRecord, context: IncidentContext): Promise<void> {
    const ns = namespace(record.id);
    await this.memory.put(ns, 'context', context as unknown as Json);
    await this.memory.put(ns, 'alert', record.alert as unknown as Json);
    await this.save(record, true);
  }

  /** Queues a save of the record; `now` waits for it (and everything queued before) to be written. */
  save(record: IncidentRecord, now = false): Promise<void> {
    this.#dirty.set(record.id, record);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#chain = this.#chain.then(() => new Promise<void>((resolve) => setImmediate(resolve))).then(() => this.#write());
    }
    return now ? this.flush() : Promise.resolve();
  }

  async flush(): Promise<void> {
    await this.#chain;
    if (this.#dirty.size > 0) {
      this.#chain = this.#chain.then(() => this.#write());
      await this.#chain;
    }
  }

  /** Forgets an incident that never started (its run could not be queued): record, context, alert, summary. */
  async delete(id: string): Promise<void> {
    await this.flush();
    const ns = namespace(id);
    for (const key of ['record', 'context', 'alert']) await this.memory.delete(ns, key);
    await this.memory.delete(INCIDENTS_NS, id);
  }

  async get(id: string): Promise<IncidentRecord | undefined> {
    return (await this.memory.get(namespace(id), 'record')) as IncidentRecord | undefined;
  }

  async context(id: string): Promise<IncidentContext | undefined> {
    return (await this.memory.get(namespace(id), 'context')) as IncidentContext | undefined;
  }

  async list(): Promise<IncidentSummary[]> {
    const entries = await this.memory.list(INCIDENTS_NS);
    return entries.map((e) => e.value as unknown as IncidentSummary).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async #write(): Promise<void> {
    this.#scheduled = false;
    const batch = [...this.#dirty.values()];
    this.#dirty.clear();
    for (const record of batch) {
      try {
        // A snapshot: the live record keeps changing while the write is in flight.
        const snapshot = structuredClone(record);
        await this.memory.put(namespace(record.id), 'record', snapshot as unknown as Json);
        await this.memory.put(INCIDENTS_NS, record.id, summary(snapshot) as unknown as Json);
      } catch (err) {
        this.logger?.warn({ err, id: record.id }, 'could not save the incident record');
      }
    }
  }
}

export function namespace(id: string): string {
  return `incident-${id}`;
}

/** The list entry of an incident. */
export function summary(r: IncidentRecord): IncidentSummary {
  return { id: r.id, title: r.title, severity: r.severity, status: r.status, ...(r.stage ? { stage: r.stage } : {}), startedAt: r.startedAt, ...(r.endedAt ? { endedAt: r.endedAt } : {}) };
}
