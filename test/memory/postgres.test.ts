import { describe, it } from 'vitest';
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
} else {
  describe.skip(`memory conformance: postgres (${POSTGRES_URL} unreachable)`, () => it('needs PostgreSQL', () => {}));
}
