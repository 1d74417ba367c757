import { z } from 'zod';
import { serviceConfigSchema } from '../lab/target/config.js';

/** Field types shared by the scenario schema's parts (scenario-schema.ts, scenario-outcome.ts). */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration: integer milliseconds or "250ms" / "15s" / "2m" / "1h"; always milliseconds once parsed. */
export const durationMs = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+(ms|s|m|h)$/, 'a duration like "500ms", "15s" or "2m" (or milliseconds)')])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const [, n, unit] = /^(\d+)(ms|s|m|h)$/.exec(v) ?? [];
    return Number(n) * (UNIT_MS[unit ?? 'ms'] ?? 1);
  });

export const kebab = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes');
export const promql = z.string().min(1, 'a PromQL expression');
export const httpMethod = z.enum(['GET', 'POST', 'PUT']);

/** A service.config.json fragment, validated against the target's schema (errors name the field) but kept as written. */
export const serviceConfigInput = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const result = serviceConfigSchema.safeParse(value);
  if (result.success) return;
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) ctx.addIssue({ code: 'custom', message: 'unknown field', path: [...issue.path, key] });
    } else {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  }
});
