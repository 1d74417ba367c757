import { z } from 'zod';

/**
 * A latency/duration distribution: log-normal around `medianMs` (real service times are right-skewed),
 * plus an optional long tail — a fraction `tail.ratio` of samples drawn uniformly from
 * [`tail.minMs`, `tail.maxMs`] (the hung downstream call, the runaway task).
 *
 * With sigma 0.3 the p95 is about 1.64x the median, so `medianMs: 190` gives the seed's ~0.3 s p95.
 */
export const durationSchema = z.strictObject({
  medianMs: z.number().positive(),
  sigma: z.number().min(0).max(3).default(0.3),
  tail: z
    .strictObject({
      ratio: z.number().min(0).max(1),
      minMs: z.number().nonnegative(),
      maxMs: z.number().nonnegative(),
    })
    .refine((t) => t.maxMs >= t.minMs, { message: 'tail.maxMs must be >= tail.minMs', path: ['maxMs'] })
    .optional(),
});
export type DurationSpec = z.infer<typeof durationSchema>;

/** A source of uniform randoms in [0, 1); injectable so tests can make sampling deterministic. */
export type Random = () => number;

function standardNormal(random: Random): number {
  // Box–Muller; 1 - u keeps the log argument away from 0.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Draws one duration in milliseconds from `spec`. */
export function sampleDurationMs(spec: DurationSpec, random: Random = Math.random): number {
  if (spec.tail && spec.tail.ratio > 0 && random() < spec.tail.ratio) {
    return spec.tail.minMs + random() * (spec.tail.maxMs - spec.tail.minMs);
  }
  return spec.medianMs * Math.exp(spec.sigma * standardNormal(random));
}
