import { z } from 'zod';
import type { ChatModel } from '../models/types.js';
import type { ToolSet } from '../tools/types.js';

/**
 * What every persona receives: the incident, what earlier personas concluded, and optionally a specific task.
 * JSON only, because it is journaled and shown to the model.
 */
export const personaInputSchema = z
  .object({
    /** The incident context: alert, service, priority, labels… */
    incident: z.record(z.string(), z.unknown()),
    /** Structured outputs of the personas that ran before, by persona name. */
    previous: z.record(z.string(), z.unknown()).optional(),
    /** A specific request for this run (e.g. from `persona_ask`); default: the persona's usual job. */
    task: z.string().max(8_000).optional(),
  })
  .strict();

export type PersonaInput = z.infer<typeof personaInputSchema>;

export interface PersonaBudget {
  /** All tokens processed across turns (input incl. cache reads/writes, plus output). */
  tokens: number;
  /** Model calls. */
  turns: number;
  /** Tool calls requested by the model (refused ones count too; the final answer does not). */
  toolCalls: number;
}

export interface PersonaLimits {
  /** Max output tokens per model call; default 4,096 (lowered to what the token budget has left). */
  maxOutputTokens?: number;
  /** Identical call (same tool, same arguments) allowed this many times; one more is a loop. Default 3. */
  maxIdenticalCalls?: number;
  /** Invalid final answers / turns without one that are sent back for repair; default 2. */
  maxRepairs?: number;
  /** Tool result text beyond this is cut (with a marker) before the model sees it; default 20,000 chars. */
  maxToolResultChars?: number;
  /**
   * Fixed-context budget (system prompt + tool definitions), default 2,000 estimated tokens: tool definitions
   * are compacted just enough to fit (see schema-compact.ts); a warning is logged if even that is not enough.
   */
  maxFixedContextTokens?: number;
}

export interface PersonaOptions<S extends z.ZodType> {
  /** A path segment: letters, digits, `_`, `-`. */
  name: string;
  /** One line: who this persona is (the first line of its system prompt). */
  description: string;
  /** How it works: its method, its rules. Part of the fixed, cached context: keep it short. */
  instructions: string;
  /** Default model; `provide()` or the builtin factories' options can supply one instead. */
  model?: ChatModel;
  /** Default tool set; `provide()` can supply one instead. */
  toolset?: ToolSet;
  /** Globs over `server.tool` names: `grafana.query_*`, `github.*`. `*` never crosses the dot. */
  tools: readonly string[];
  budget: PersonaBudget;
  /** The final answer's schema; its JSON Schema is the input schema of the `final_answer` tool. */
  output: S;
  limits?: PersonaLimits;
}
