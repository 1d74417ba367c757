import { constant } from './constant.js';
import { exponential } from './exponential.js';
import { linear } from './linear.js';

export type { Backoff, RandomSource } from './types.js';
export type { ExponentialOptions, Jitter } from './exponential.js';
export { constant, linear, exponential };

/** The backoff strategies, as one namespace: `backoff.exponential({ initialMs: 100, maxMs: 5_000 })`. */
export const backoff = { constant, linear, exponential } as const;
