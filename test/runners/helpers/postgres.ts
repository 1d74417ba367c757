import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the runner tests use; CI and this machine run PostgreSQL here with trust auth. */
const SERVER = process.env.FIREBREAK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres`, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * True when PostgreSQL answers. Unreachable: fails when FIREBREAK_REQUIRE_SERVICES=1 (CI), otherwise warns
 * so the caller can skip with a clear message.
 */
export async function postgresOrSkip(suite: string): Promise<boolean> {
  if (await reachable()) return true;
  if (process.env.FIREBREAK_REQUIRE_SERVICES === '1') {
    throw new Error(`${suite}: PostgreSQL is unreachable at ${SERVER} and FIREBREAK_REQUIRE_SERVICES=1`);
  }
  process.stderr.write(`[${suite}] SKIPPED: PostgreSQL is unreachable at ${SERVER} (set FIREBREAK_REQUIRE_SERVICES=1 to make this a failure)\n`);
  return false;
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/** A fresh database (firebreak_dbos_test_<random>) for one test file; drop() force-disconnects and removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `firebreak_dbos_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: `${SERVER}/${name}`,
    name,
    async drop() {
      const c = new pg.Client({ connectionString: `${SERVER}/postgres` });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
