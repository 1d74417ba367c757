import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemory, type Json } from '../../src/memory/index.js';
import { backendConformance } from './conformance.js';
import { signalChannel } from '../../src/memory/postgres/signals.js';
import { dropPostgresTables, postgresDump, postgresListeners } from './raw.js';
import { POSTGRES_URL, serviceAvailable, uniqueId } from './services.js';

const prefix = `${uniqueId('fbconf')}_`;

if (await serviceAvailable('PostgreSQL', POSTGRES_URL, 5432)) {
  backendConformance({
    name: 'postgres',
    shared: true,
    url: `${POSTGRES_URL}?prefix=${prefix}`,
    rawDump: () => postgresDump(POSTGRES_URL, prefix),
    signalListeners: () => postgresListeners(POSTGRES_URL, signalChannel(prefix)),
    cleanup: () => dropPostgresTables(POSTGRES_URL, prefix),
  });

  describe('postgres signals: a listener connection the server drops', () => {
    const own = `${uniqueId('fbsig')}_`;
    afterAll(() => dropPostgresTables(POSTGRES_URL, own));

    it('is re-opened, and signals flow again', async () => {
      const url = `${POSTGRES_URL}?prefix=${own}`;
      const [listener, publisher] = [await openMemory(url), await openMemory(url)];
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      try {
        const got: Json[] = [];
        const stop = await listener.subscribe('t', (p) => got.push(p));
        const listen = `LISTEN "${signalChannel(own)}"`;
        const pids = async (): Promise<number[]> => (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE query = $1', [listen])).rows.map((r) => r.pid);
        const [before] = await pids();
        expect(before).toBeDefined();
        // What a server restart or an idle-connection reaper does to the session.
        await admin.query('SELECT pg_terminate_backend($1)', [before]);
        const deadline = Date.now() + 10_000;
        let after: number[] = [];
        while (!((after = await pids()).length === 1 && after[0] !== before)) {
          if (Date.now() > deadline) throw new Error(`the listener was not re-opened (sessions: ${JSON.stringify(after)})`);
          await new Promise((r) => setTimeout(r, 50));
        }
        await publisher.publish('t', 'after the reconnect');
        while (got.length === 0) {
          if (Date.now() > deadline) throw new Error('no signal after the reconnect');
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(got).toEqual(['after the reconnect']);
        await stop();
      } finally {
        await admin.end();
        await listener.close();
        await publisher.close();
      }
    });
  });
} else {
  describe.skip(`memory conformance: postgres (${POSTGRES_URL} unreachable)`, () => it('needs PostgreSQL', () => {}));
}
