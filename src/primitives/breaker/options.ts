import { z } from 'zod';

/** Options of `new CircuitBreaker(...)`; also embedded in snapshots so `restore()` needs nothing else. */
export const breakerOptionsSchema = z
  .object({
    name: z.string().min(1),
    failureThreshold: z.number().int().min(1).optional(),
    failureRate: z
      .object({
        threshold: z.number().gt(0).max(1),
        minimumCalls: z.number().int().min(1),
        windowMs: z.number().finite().positive(),
      })
      .strict()
      .optional(),
    halfOpenAfterMs: z.number().finite().min(0),
    halfOpenProbes: z.number().int().min(1).default(1),
  })
  .strict();

export type BreakerOptions = z.input<typeof breakerOptionsSchema>;
export type ResolvedBreakerOptions = z.output<typeof breakerOptionsSchema>;

/** What `toJSON()` produces and `CircuitBreaker.restore()` accepts (validated: it may come from a file or Redis). */
export const breakerSnapshotSchema = z
  .object({
    version: z.literal(1),
    options: breakerOptionsSchema,
    state: z.discriminatedUnion('name', [
      z.object({ name: z.literal('closed') }),
      z.object({ name: z.literal('open'), openedAt: z.number().finite() }),
      z.object({ name: z.literal('half-open') }),
      z.object({ name: z.literal('isolated') }),
    ]),
    consecutiveFailures: z.number().int().min(0),
    window: z.array(
      z.object({ epoch: z.number().int().min(0), calls: z.number().int().min(0), failures: z.number().int().min(0) }).strict(),
    ),
  })
  .strict();

export type BreakerSnapshot = z.output<typeof breakerSnapshotSchema>;
