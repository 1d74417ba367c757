import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType } from '@modelcontextprotocol/sdk/validation/types.js';

type Check = (input: unknown) => string | undefined;

const validator = new AjvJsonSchemaValidator();
const cache = new WeakMap<object, Check>();

/**
 * Checks tool arguments against the tool's JSON Schema (ajv, as the MCP SDK uses), so the model learns
 * of a bad argument in the same turn instead of after a round trip to the server. Returns the problem, or
 * undefined when valid. A schema ajv cannot compile is not enforced here (the server still validates).
 */
export function checkArguments(schema: Record<string, unknown>, args: unknown): string | undefined {
  let check = cache.get(schema);
  if (!check) {
    check = compile(schema);
    cache.set(schema, check);
  }
  return check(args);
}

function compile(schema: Record<string, unknown>): Check {
  try {
    const validate = validator.getValidator({ type: 'object', ...schema } as JsonSchemaType);
    return (input) => {
      const result = validate(input);
      return result.valid ? undefined : result.errorMessage.replace(/\bdata\b/g, 'arguments');
    };
  } catch {
    return () => undefined;
  }
}
