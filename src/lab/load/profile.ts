import { z } from 'zod';

const rate = z.number().min(0).max(10_000);
const duration = z.number().int().positive().max(60 * 60_000);

/** One stretch of constant offered load. */
export const loadPhaseSchema = z.strictObject({ ratePerSec: rate, durationMs: duration });
export type LoadPhase = z.infer<typeof loadPhaseSchema>;

/**
 * Offered-load shapes. `steady`: one rate. `burst`: baseline, then baseline x multiplier (seed 004's "3x
 * normal load"), then baseline again. `phases`: anything else, as a list.
 */
export const loadProfileSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('steady'), ratePerSec: rate, durationMs: duration }),
  z.strictObject({
    kind: z.literal('burst'),
    baselineRatePerSec: rate,
    multiplier: z.number().positive().max(1_000).default(3),
    /** Baseline load before the burst. */
    warmupMs: z.number().int().nonnegative().default(0),
    burstMs: duration,
    /** Baseline load after the burst. */
    cooldownMs: z.number().int().nonnegative().default(0),
  }),
  z.strictObject({ kind: z.literal('phases'), phases: z.array(loadPhaseSchema).min(1).max(100) }),
]);
export type LoadProfile = z.infer<typeof loadProfileSchema>;
export type LoadProfileInput = z.input<typeof loadProfileSchema>;

/** Everything a load run needs; validated whether it comes from code or from the CLI's --spec JSON. */
export const loadSpecSchema = z.strictObject({
  /** Base URL of the target, e.g. http://127.0.0.1:4100 */
  url: z.url({ protocol: /^https?$/ }),
  path: z.string().startsWith('/').default('/'),
  method: z.enum(['GET', 'POST', 'PUT']).default('POST'),
  /** JSON body sent with every request (POST/PUT). */
  body: z.record(z.string(), z.unknown()).optional(),
  profile: loadProfileSchema,
  /** Concurrency bound: a scheduled request is dropped (counted, not sent) when this many are in flight. */
  maxInFlight: z.number().int().min(1).max(10_000).default(512),
  /** Hard cap on requests sent, whatever the profile says. */
  maxRequests: z.number().int().min(1).max(1_000_000).default(200_000),
  /** Client-side timeout per request; a timed-out request counts as status "timeout". */
  requestTimeoutMs: z.number().int().positive().default(10_000),
});
export type LoadSpec = z.infer<typeof loadSpecSchema>;
export type LoadSpecInput = z.input<typeof loadSpecSchema>;

/** Expands a profile to its phases. */
export function profilePhases(profile: LoadProfile): LoadPhase[] {
  switch (profile.kind) {
    case 'steady':
      return [{ ratePerSec: profile.ratePerSec, durationMs: profile.durationMs }];
    case 'burst': {
      const base = profile.baselineRatePerSec;
      const phases: LoadPhase[] = [];
      if (profile.warmupMs > 0) phases.push({ ratePerSec: base, durationMs: profile.warmupMs });
      phases.push({ ratePerSec: base * profile.multiplier, durationMs: profile.burstMs });
      if (profile.cooldownMs > 0) phases.push({ ratePerSec: base, durationMs: profile.cooldownMs });
      return phases;
    }
    case 'phases':
      return profile.phases;
  }
}

/** Total duration of a profile in ms. */
export function profileDurationMs(profile: LoadProfile): number {
  return profilePhases(profile).reduce((sum, p) => sum + p.durationMs, 0);
}

/** Convenience: a steady profile. */
export const steady = (ratePerSec: number, durationMs: number): LoadProfile => ({ kind: 'steady', ratePerSec, durationMs });

/** Convenience: baseline -> baseline x multiplier -> baseline. */
export const burst = (o: { baselineRatePerSec: number; multiplier?: number; warmupMs?: number; burstMs: number; cooldownMs?: number }): LoadProfile => ({
  kind: 'burst',
  baselineRatePerSec: o.baselineRatePerSec,
  multiplier: o.multiplier ?? 3,
  warmupMs: o.warmupMs ?? 0,
  burstMs: o.burstMs,
  cooldownMs: o.cooldownMs ?? 0,
});
