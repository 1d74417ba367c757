import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropPostgresTables, dropRedisKeys } from './raw.js';
import { POSTGRES_URL, REDIS_URL, serviceAvailable, uniqueId } from './services.js';

/** A durable backend for the multi-process tests: a fresh isolated URL per call, and how to clean it up. */
export interface DurableTarget {
  name: string;
  available: boolean;
  isolated(): { url: string; cleanup(): Promise<void> };
}

/** SQLite always; PostgreSQL and Redis when reachable (or failing when FIREBREAK_REQUIRE_SERVICES=1). */
export async function durableTargets(): Promise<DurableTarget[]> {
  const [pgUp, redisUp] = [
    await serviceAvailable('PostgreSQL', POSTGRES_URL, 5432),
    await serviceAvailable('Redis', REDIS_URL, 6379),
  ];
  return [
    {
      name: 'sqlite',
      available: true,
      isolated: () => {
        const dir = mkdtempSync(join(tmpdir(), 'firebreak-mp-'));
        return { url: `sqlite:${join(dir, 'shared.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
      },
    },
    {
      name: 'postgres',
      available: pgUp,
      isolated: () => {
        const prefix = `${uniqueId('fbmp')}_`;
        return { url: `${POSTGRES_URL}?prefix=${prefix}`, cleanup: () => dropPostgresTables(POSTGRES_URL, prefix) };
      },
    },
    {
      name: 'redis',
      available: redisUp,
      isolated: () => {
        const prefix = `${uniqueId('fbmp')}:`;
        return { url: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`, cleanup: () => dropRedisKeys(REDIS_URL, prefix) };
      },
    },
  ];
}
