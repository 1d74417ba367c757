import { existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * Reads what a backend stored directly — the database file, the tables, the keys — bypassing the store, so
 * tests can prove what did or did not reach storage.
 */

/** The SQLite file and its WAL as bytes, plus every row of every table (FTS shadow tables included). */
export function sqliteDump(file: string): string {
  const parts = [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1'));
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      const rows = db.prepare(`SELECT * FROM "${name}"`).all();
      parts.push(JSON.stringify(rows, (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)));
    }
  } finally {
    db.close();
  }
  return parts.join('\n');
}

/** Every row of every table whose name starts with `prefix`, as text. */
export async function postgresDump(url: string, prefix: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const parts: string[] = [];
    for (const table of await prefixedTables(client, prefix)) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table}" t`);
      parts.push(...rows.map((r) => r.row));
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

export async function dropPostgresTables(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of await prefixedTables(client, prefix)) await client.query(`DROP TABLE IF EXISTS "${table}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function prefixedTables(client: pg.Client, prefix: string): Promise<string[]> {
  const { rows } = await client.query<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND starts_with(tablename, $1)`,
    [prefix],
  );
  return rows.map((r) => r.tablename);
}

/** Every key under `prefix` with its full contents, whatever the type. */
export async function redisDump(url: string, prefix: string): Promise<string> {
  const client = new Redis(url);
  try {
    const parts: string[] = [];
    for (const key of await redisKeys(client, prefix)) {
      const type = await client.type(key);
      const content =
        type === 'string' ? await client.get(key)
        : type === 'hash' ? await client.hgetall(key)
        : type === 'zset' ? await client.zrange(key, '0', '-1', 'WITHSCORES')
        : type === 'set' ? await client.smembers(key)
        : type === 'list' ? await client.lrange(key, 0, -1)
        : `unexpected type ${type}`;
      parts.push(`${key} ${JSON.stringify(content)}`);
    }
    return parts.join('\n');
  } finally {
    client.disconnect();
  }
}

export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    const keys = await redisKeys(client, prefix);
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}

async function redisKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Sessions listening on a NOTIFY channel (their last statement was the LISTEN). */
export async function postgresListeners(url: string, channel: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`]);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** Connections subscribed to a pub/sub channel. */
export async function redisListeners(url: string, channel: string): Promise<number> {
  const client = new Redis(url);
  try {
    const [, n] = (await client.pubsub('NUMSUB', channel)) as [string, number];
    return Number(n);
  } finally {
    client.disconnect();
  }
}
