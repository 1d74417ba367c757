import { z } from 'zod';
import { parseOptions } from '../options.js';
import type { Backoff } from './types.js';

const msSchema = z.number().finite().min(0);

/**
 * The same delay before every retry.
 *
 * When to use: a dependency with a known recovery time (a leader election, a lock TTL).
 * Gotchas: many clients retrying a shared dependency in lockstep synchronise; prefer jittered exponential.
 *
 * @example
 * retry(fetchAlerts, { attempts: 3, backoff: backoff.constant(200) }); // waits 200 ms, 200 ms
 */
export function constant(ms: number): Backoff {
  const delayMs = parseOptions('backoff.constant', msSchema, ms);
  return { delay: () => delayMs };
}
