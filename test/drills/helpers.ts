import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DrillFacts } from '../../src/drills/result.js';

/** The recorded pool-exhaustion drill (incident record, series, forge events, rollouts): a fresh copy. */
export function poolExhaustionFacts(): DrillFacts {
  const file = fileURLToPath(new URL('./fixtures/pool-exhaustion.facts.json', import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as DrillFacts;
}
