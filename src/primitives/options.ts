import type { z } from 'zod';
import { InvalidOptionsError } from './errors.js';

/** Validates a primitive's options at the public boundary; the error names every bad option. */
export function parseOptions<T extends z.ZodType>(primitive: string, schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidOptionsError(
    primitive,
    result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message })),
  );
}
