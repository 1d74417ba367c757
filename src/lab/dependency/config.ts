import { z } from 'zod';

/**
 * Behaviour of the lab dependency (a stand-in for a payments API). Defaults are calibrated with the
 * retry-storm preset's client (retries 3, backoff 1 s) and 25 req/s of /api/orders so that the
 * retry storm of seed 001 reproduces; see README.md of src/lab/target. Without jitter a storm sustains
 * itself while rate x brownoutMs > capacity + queueLimit (25/s x 3 s = 75 > 30); the queue absorbs
 * bursts below that, such as a jittered retry wave or a client that stalled for a moment.
 */
export const dependencyOptionsSchema = z.strictObject({
  /** Name in logs and the `dependency` label. */
  name: z.string().min(1).default('payments-api'),
  /** Requests it serves at once. */
  capacity: z.number().int().min(1).max(100_000).default(15),
  /** Requests that may wait for a free slot; one more arriving tips it into a brownout. */
  queueLimit: z.number().int().min(0).max(100_000).default(15),
  /** Time to serve one request when healthy. */
  serviceMs: z.number().int().nonnegative().default(40),
  /** How long an overload brownout lasts: requests held meanwhile all fail together when it ends. */
  brownoutMs: z.number().int().positive().default(3_000),
});
export type DependencyOptions = z.infer<typeof dependencyOptionsSchema>;
export type DependencyOptionsInput = z.input<typeof dependencyOptionsSchema>;

/** Body of POST /admin/fail: make the dependency unavailable for `durationMs`. */
export const failRequestSchema = z.strictObject({
  durationMs: z.number().int().positive().max(10 * 60_000),
});
