import { z } from 'zod';
import { InvalidOptionsError } from '../primitives/errors.js';
import { parseOptions } from '../primitives/options.js';
import { redactText } from '../security/redact.js';
import { MemoryKeyError } from './errors.js';

/**
 * Checks for the identifiers every store and journal call takes. Kept separate from the value checks: these
 * run on every call and must stay cheap.
 */

const MAX_NS = 200;
const MAX_KEY = 512;
const MAX_PATH = 4096;

/** Throws MemoryKeyError unless `value` is a usable namespace / key / runId / path. */
export function checkName(field: 'ns' | 'key' | 'runId' | 'topic', value: unknown, secrets: readonly string[]): string {
  checkShape(field, value, field === 'key' ? MAX_KEY : MAX_NS);
  // Names are stored and indexed verbatim (they cannot be redacted without breaking lookups), so a name that
  // carries a secret is refused instead.
  if (redactText(value, { secrets, env: NO_ENV }) !== value) {
    throw new MemoryKeyError(field, 'looks like it contains a secret; names are stored unredacted, so it was refused');
  }
  return value;
}

/** A step path from the runner: shape checks only (step names are code, not data, so no secret check). */
export function checkPath(value: unknown): string {
  checkShape('path', value, MAX_PATH);
  return value;
}

function checkShape(field: 'ns' | 'key' | 'runId' | 'path' | 'topic', value: unknown, max: number): asserts value is string {
  if (typeof value !== 'string') throw new MemoryKeyError(field, `must be a string, got ${typeof value}`);
  if (value.length === 0) throw new MemoryKeyError(field, 'must not be empty');
  if (value.length > max) throw new MemoryKeyError(field, `is ${value.length} characters, over the limit of ${max}`);
  if (value.includes('\0')) throw new MemoryKeyError(field, 'must not contain NUL characters');
}

export const NO_ENV: NodeJS.ProcessEnv = {};

const putSchema = z.strictObject({ ttlMs: z.number().int().positive().max(100 * 365 * 86_400_000).optional() });
const listSchema = z.strictObject({
  prefix: z.string().max(MAX_KEY).optional(),
  limit: z.number().int().positive().max(10_000).optional(),
});
const searchSchema = z.strictObject({ limit: z.number().int().positive().max(1000).optional() });
const eventsSchema = z.strictObject({
  afterSeq: z.number().int().nonnegative().optional(),
  limit: z.number().int().positive().max(10_000).optional(),
});

export type PutOpts = z.output<typeof putSchema>;

/** Options of each store method, validated with errors naming the bad field (InvalidOptionsError). */
export const parseOpts = {
  put: (v: unknown) => (v === undefined ? {} : parseOptions('memory.put', putSchema, v)),
  list: (v: unknown) => (v === undefined ? {} : parseOptions('memory.list', listSchema, v)),
  search: (v: unknown) => (v === undefined ? {} : parseOptions('memory.search', searchSchema, v)),
  events: (v: unknown) => (v === undefined ? {} : parseOptions('memory.events', eventsSchema, v)),
};

export function checkQuery(query: unknown): string {
  if (typeof query !== 'string') {
    throw new InvalidOptionsError('memory.search', [{ path: 'query', message: `expected a string, got ${typeof query}` }]);
  }
  return query.length > 2000 ? query.slice(0, 2000) : query;
}
