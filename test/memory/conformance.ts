import { afterAll, beforeAll, describe } from 'vitest';
import { openMemory, type MemoryStore, type OpenMemoryOptions } from '../../src/memory/index.js';
import { journalSuite } from './suite/journal.js';
import { kvSuite } from './suite/kv.js';
import { redactionSuite } from './suite/redaction.js';
import { searchSuite } from './suite/search.js';
import { signalsSuite } from './suite/signals.js';
import { timelineSuite } from './suite/timeline.js';

/**
 * The one conformance suite every memory backend passes (the way LangGraph.js validates its checkpointers).
 * A backend test file describes how to reach an isolated instance; the suite does the rest:
 *
 *   backendConformance({ name: 'sqlite', url: `sqlite:${file}`, rawDump: ..., cleanup: ... });
 */
export interface BackendUnderTest {
  name: string;
  /** A URL isolated to this test file (its own file, table prefix or key prefix). */
  url: string;
  /**
   * Every byte the backend holds for `url`, read directly (the file, the tables, the keys) — not through
   * the store — so the redaction tests can prove a secret never reached storage. Gets the suite's store.
   */
  rawDump(store: MemoryStore): Promise<string>;
  /** True when two stores opened on `url` see the same data (every backend but `memory:`). */
  shared: boolean;
  /**
   * How many connections listen for this URL's signals, asked of the server (PostgreSQL, Redis): lets the
   * suite prove that unsubscribing and close() release the listener. Absent where there is no connection.
   */
  signalListeners?(): Promise<number>;
  /** Removes everything `url` created; runs after all stores are closed. */
  cleanup(): Promise<void>;
}

/** What each part of the suite gets: the target, a shared store, fresh namespaces, extra stores. */
export interface Harness {
  readonly target: BackendUnderTest;
  readonly store: MemoryStore;
  /** A namespace (or runId) no other test uses. */
  ns(label?: string): string;
  /** Another store on the same URL (closed after the suite). */
  open(opts?: OpenMemoryOptions): Promise<MemoryStore>;
}

export function backendConformance(target: BackendUnderTest): void {
  describe(`memory conformance: ${target.name}`, () => {
    const stores: MemoryStore[] = [];
    let counter = 0;
    let shared: MemoryStore | undefined;
    const harness: Harness = {
      target,
      get store(): MemoryStore {
        if (!shared) throw new Error('store not open yet');
        return shared;
      },
      ns: (label = 'ns') => `${label}-${process.pid}-${++counter}`,
      open: async (opts) => {
        const store = await openMemory(target.url, opts);
        stores.push(store);
        return store;
      },
    };

    beforeAll(async () => {
      shared = await harness.open();
    });
    afterAll(async () => {
      for (const store of stores) await store.close();
      await target.cleanup();
    });

    kvSuite(harness);
    searchSuite(harness);
    timelineSuite(harness);
    redactionSuite(harness);
    journalSuite(harness);
    signalsSuite(harness);
  });
}
