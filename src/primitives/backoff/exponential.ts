import { z } from 'zod';
import { parseOptions } from '../options.js';
import type { Backoff, RandomSource } from './types.js';

export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

export interface ExponentialOptions {
  /** The first delay (before jitter). */
  initialMs: number;
  /** No delay ever exceeds this. */
  maxMs: number;
  /** Growth per retry; default 2. */
  factor?: number;
  /**
   * Default 'full'. See "Exponential Backoff And Jitter" (AWS Architecture Blog, 2015):
   * - none: initialMs * factor^(n-1), capped;
   * - full: uniform in [0, capped];
   * - equal: capped/2 + uniform in [0, capped/2];
   * - decorrelated: uniform in [initialMs, previous * 3], capped — each delay depends on the last one.
   */
  jitter?: Jitter;
  /** Uniform [0, 1) source; default Math.random. For deterministic tests. */
  random?: RandomSource;
}

const exponentialSchema = z
  .object({
    initialMs: z.number().finite().positive(),
    maxMs: z.number().finite().positive(),
    factor: z.number().finite().min(1).default(2),
    jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).default('full'),
    random: z.custom<RandomSource>((v) => typeof v === 'function', 'expected a function returning [0, 1)').default(() => Math.random),
  })
  .strict()
  .refine((o) => o.maxMs >= o.initialMs, { message: 'maxMs must be >= initialMs', path: ['maxMs'] });

/**
 * Exponentially growing delays, capped, with jitter (full jitter by default).
 *
 * When to use: the default for remote calls — rate limits, overloaded model APIs, flapping MCP servers.
 * What it does: delay n = min(maxMs, initialMs * factor^(n-1)), then the chosen jitter.
 * Gotchas: every delay is clamped to [0, maxMs] and is never NaN, whatever the retry count or a misbehaving
 * random source returns; 'decorrelated' grows by x3 per step on average regardless of `factor`.
 *
 * @example
 * backoff.exponential({ initialMs: 100, maxMs: 5_000, jitter: 'none' }); // 100, 200, 400, … 5000
 */
export function exponential(opts: ExponentialOptions): Backoff {
  const { initialMs, maxMs, factor, jitter, random } = parseOptions('backoff.exponential', exponentialSchema, opts);
  const capped = (retry: number): number => {
    // factor^(n-1) overflows to Infinity for large n; min() then caps it. Never multiplies Infinity by 0.
    const raw = initialMs * Math.pow(factor, Math.max(0, retry - 1));
    return raw < maxMs ? raw : maxMs;
  };
  const u = (): number => {
    const r = random();
    return r >= 0 && r < 1 ? r : 0.5; // a broken source (NaN, 1, -3) must not produce a broken delay
  };
  switch (jitter) {
    case 'none':
      return { delay: capped };
    case 'full':
      return { delay: (retry) => clamp(u() * capped(retry), maxMs) };
    case 'equal':
      return {
        delay: (retry) => {
          const half = capped(retry) / 2;
          return clamp(half + u() * half, maxMs);
        },
      };
    case 'decorrelated':
      return {
        delay: (_retry, previousMs) => {
          const prev = previousMs >= initialMs && previousMs <= maxMs ? previousMs : initialMs;
          const upper = Math.min(maxMs, prev * 3);
          return clamp(initialMs + u() * (upper - initialMs), maxMs);
        },
      };
  }
}

function clamp(ms: number, maxMs: number): number {
  if (!(ms > 0)) return 0; // also maps NaN to 0
  return ms < maxMs ? ms : maxMs;
}
