// The incident workflow's personas see every tool description in full: their fixed context (instructions,
// tool definitions, output schema) fits its budget without compaction.
import { describe, expect, it } from 'vitest';
import { builtinToolCatalog, measureFixedContext } from '../../src/personas/index.js';
import { PERSONA_NAMES, WORKFLOW_FIXED_CONTEXT, workflowPersonas } from '../../src/workflows/index.js';

describe('workflow personas: fixed context', () => {
  it('fits each budget with no tool description cut', () => {
    const personas = workflowPersonas();
    for (const name of PERSONA_NAMES) {
      const size = measureFixedContext(personas[name], builtinToolCatalog);
      expect(size.limit).toBe(WORKFLOW_FIXED_CONTEXT[name]);
      expect(size.compaction, `${name}: ${size.systemTokens} system + ${size.toolTokens} tools`).toBe(0);
      expect(size.tokens).toBeLessThanOrEqual(size.limit);
      expect(size.tools.at(-1)).toBe('final_answer');
    }
  });

  it('a user override of the limit still wins', () => {
    const personas = workflowPersonas({ observability: { limits: { maxFixedContextTokens: 1_000 } } });
    const size = measureFixedContext(personas.observability, builtinToolCatalog);
    expect(size.limit).toBe(1_000);
    expect(size.compaction).toBeGreaterThan(0);
  });
});
