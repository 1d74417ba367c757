import { z } from 'zod';
import { parseOptions } from '../options.js';
import type { Backoff } from './types.js';

const linearSchema = z
  .object({ stepMs: z.number().finite().min(0), maxMs: z.number().finite().min(0) })
  .refine((o) => o.maxMs >= o.stepMs, { message: 'maxMs must be >= the step', path: ['maxMs'] });

/**
 * A delay growing by `ms` each retry (ms, 2ms, 3ms, …), capped at `maxMs`.
 *
 * When to use: gentle growth where exponential backs off too fast (polling a deploy's rollout).
 *
 * @example
 * backoff.linear(100, { maxMs: 250 }); // 100, 200, 250, 250, …
 */
export function linear(ms: number, opts: { maxMs: number }): Backoff {
  const { stepMs, maxMs } = parseOptions('backoff.linear', linearSchema, { stepMs: ms, maxMs: opts?.maxMs });
  return { delay: (retry) => Math.min(maxMs, stepMs * Math.max(1, retry)) };
}
