import { z } from 'zod';
import { FINAL_ANSWER_TOOL } from '../models/protocol.js';
import type { ModelToolSpec } from '../models/types.js';
import { compactSchema } from './schema-compact.js';

/**
 * The final answer is delivered through a dedicated tool whose input schema is the persona's output schema,
 * so every provider's tool-use machinery (constrained decoding where it exists) shapes the answer.
 * Non-object outputs are wrapped as `{ value: … }` because tool inputs must be objects.
 */
export interface FinalAnswerTool {
  spec: ModelToolSpec;
  /** Parses the tool input: the typed value, or a problem description for the model to repair. */
  parse(input: unknown): { ok: true; value: unknown } | { ok: false; problem: string };
}

export function finalAnswerTool(output: z.ZodType): FinalAnswerTool {
  const schema = compactSchema(z.toJSONSchema(output, { unrepresentable: 'any' }) as Record<string, unknown>, 0, []);
  const wrapped = schema['type'] !== 'object';
  const inputSchema = wrapped ? { type: 'object', properties: { value: schema }, required: ['value'], additionalProperties: false } : schema;
  return {
    spec: {
      name: FINAL_ANSWER_TOOL,
      description: 'Submit your final answer, alone and once, when done. An invalid answer comes back with its problems.',
      inputSchema,
    },
    parse(input) {
      const candidate = wrapped && isObject(input) ? input['value'] : input;
      const result = output.safeParse(candidate);
      if (result.success) return { ok: true, value: result.data };
      return { ok: false, problem: result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ') };
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
