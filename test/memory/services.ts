import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/**
 * Service checks for the backend tests. PostgreSQL and Redis run on the dev machines and in CI; CI sets
 * FIREBREAK_REQUIRE_SERVICES=1, which turns "unreachable" from a skip into a failure.
 */

export const POSTGRES_URL = process.env.FIREBREAK_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.FIREBREAK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True if something accepts TCP connections at the URL's host and port within a second. */
export function reachable(url: string, defaultPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || defaultPort) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether to run a suite that needs `url`: true if reachable; otherwise throws when services are required,
 * else prints why the suite is skipped and returns false.
 */
export async function serviceAvailable(name: string, url: string, defaultPort: number): Promise<boolean> {
  if (await reachable(url, defaultPort)) return true;
  const message = `${name} at ${url} is unreachable`;
  if (process.env.FIREBREAK_REQUIRE_SERVICES === '1') throw new Error(`${message} and FIREBREAK_REQUIRE_SERVICES=1`);
  console.warn(`[skip] ${message}: skipping the ${name} memory tests (set FIREBREAK_REQUIRE_SERVICES=1 to fail instead)`);
  return false;
}

/** A short identifier unique to this test run, usable in SQL table names and Redis keys. */
export function uniqueId(label: string): string {
  return `${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}
