import { z } from 'zod';
import type { ChatModel } from '../models/types.js';
import { parseOptions } from '../primitives/options.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';
import { compileAllowlist } from './allowlist.js';
import { PersonaConfigError, PersonaInputError } from './errors.js';
import { finalAnswerTool } from './final-answer.js';
import { runPersonaLoop, type LoopConfig } from './loop.js';
import { resolveRuntime } from './runtime.js';
import { personaInputSchema, type PersonaBudget, type PersonaInput, type PersonaOptions } from './types.js';

/** A persona: a Step, plus its definition for introspection (context size, docs, `persona_ask`). */
export interface PersonaStep<O> extends Step<PersonaInput, O> {
  readonly kind: 'persona';
  readonly definition: {
    readonly name: string;
    readonly description: string;
    readonly instructions: string;
    readonly tools: readonly string[];
    readonly budget: PersonaBudget;
    readonly output: z.ZodType<O>;
    readonly limits: LoopConfig['limits'];
    readonly model: ChatModel | undefined;
    readonly toolset: ToolSet | undefined;
  };
}

const positiveInt = z.number().int().positive();
const optionsSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][\w-]{0,63}$/, 'letters, digits, _ and -, starting with a letter (it is a path segment)'),
    description: z.string().min(1).max(500),
    instructions: z.string().min(1),
    model: z.custom<ChatModel>((v) => typeof v === 'object' && v !== null && typeof (v as ChatModel).generate === 'function', 'expected a ChatModel').optional(),
    toolset: z.custom<ToolSet>((v) => typeof v === 'object' && v !== null && typeof (v as ToolSet).call === 'function' && typeof (v as ToolSet).list === 'function', 'expected a ToolSet').optional(),
    tools: z.array(z.string().min(1)),
    budget: z.object({ tokens: positiveInt, turns: positiveInt, toolCalls: z.number().int().min(0) }).strict(),
    output: z.custom<z.ZodType>((v) => v instanceof z.ZodType, 'expected a zod schema'),
    limits: z
      .object({
        maxOutputTokens: positiveInt.default(4_096),
        maxIdenticalCalls: positiveInt.default(3),
        maxRepairs: z.number().int().min(0).default(2),
        maxToolResultChars: positiveInt.default(20_000),
        maxFixedContextTokens: positiveInt.default(2_000),
      })
      .strict()
      .default({ maxOutputTokens: 4_096, maxIdenticalCalls: 3, maxRepairs: 2, maxToolResultChars: 20_000, maxFixedContextTokens: 2_000 }),
  })
  .strict();

/**
 * Defines a persona: an LLM agent with instructions, an allowlisted set of tools, budgets and a typed answer.
 *
 * When to use: each kind of expertise in a workflow (see the built-ins: observability, backend, devops).
 * What it does: returns a Step<PersonaInput, O>. Running it runs the agent loop (see loop.ts) with the
 * persona's model and tools — its own options, else those of the innermost `provide()` — and resolves with
 * the final answer parsed by `output`. The answer is also written to `ctx.memory` under
 * `findings/<name>` and appended to the run's memory log. Timeline: 'persona.start' (model, offered tools,
 * fixed-context size), 'persona.turn' per model call (usage), 'tool.call' per call (from the tool set),
 * 'tool.refused' for calls outside the allowlist, 'persona.result' (model id and label, usage). Each turn,
 * model call and tool call is a child step (`<name>/turn-3/model`, `<name>/turn-3/tool-1-grafana.query_prometheus`),
 * so a journaled run resumes without paying for a model call or repeating a write twice (see loop.ts).
 * Gotchas: throws BudgetExceededError, RepeatedToolCallError or InvalidFinalAnswerError (all carry the
 * usage so far) and PersonaConfigError when no model or tool set can be found; a playbook model that
 * cannot decide throws EscalationError. Tool errors never throw: the model sees them.
 *
 * @example
 * const triage = persona({ name: 'triage', description: 'Triages alerts.', instructions: 'Query error rates first.',
 *   tools: ['grafana.query_*'], budget: { tokens: 50_000, turns: 8, toolCalls: 12 }, output: z.object({ severity: z.string() }) });
 */
export function persona<S extends z.ZodType>(options: PersonaOptions<S>): PersonaStep<z.infer<S>> {
  const opts = parseOptions('persona', optionsSchema, options);
  const allowed = compileAllowlist(opts.tools);
  const final = finalAnswerTool(opts.output);
  const definition: PersonaStep<z.infer<S>>['definition'] = {
    name: opts.name,
    description: opts.description,
    instructions: opts.instructions,
    tools: Object.freeze([...opts.tools]),
    budget: Object.freeze({ ...opts.budget }),
    output: options.output as z.ZodType<z.infer<S>>,
    limits: Object.freeze({ ...opts.limits }),
    model: options.model,
    toolset: options.toolset,
  };
  return {
    name: opts.name,
    kind: 'persona',
    definition,
    async run(rawInput: PersonaInput, ctx: Context): Promise<z.infer<S>> {
      const input = parseInput(opts.name, rawInput);
      const provided = resolveRuntime(opts.name);
      const model = options.model ?? provided.model;
      const toolset = options.toolset ?? provided.toolset;
      if (!model) throw new PersonaConfigError(opts.name, 'no model: pass `model` to persona() or run it inside provide({ model })');
      if (!toolset) throw new PersonaConfigError(opts.name, 'no tool set: pass `toolset` to persona() or run it inside provide({ toolset })');
      const { output, usage } = await runPersonaLoop(input, ctx, { ...definition, model, toolset, allowed, final });
      ctx.emit('persona.result', { persona: opts.name, model: model.id, label: model.label ?? model.id, usage });
      if (ctx.memory) {
        await ctx.memory.put(`findings/${opts.name}`, output);
        await ctx.memory.append({ type: 'persona.findings', persona: opts.name, model: model.id, output });
      }
      return output as z.infer<S>;
    },
  };
}

function parseInput(name: string, raw: unknown): PersonaInput {
  const result = personaInputSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new PersonaInputError(name, issues);
}
