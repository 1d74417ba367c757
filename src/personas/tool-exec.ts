import { toWireName, type ToolNameMap } from '../models/tool-names.js';
import { fitToolResult } from './fit-result.js';
import type { ToolResultBlock, ToolUseBlock } from '../models/types.js';
import { describe, isAbortError } from '../primitives/errors.js';
import type { Context, Step } from '../primitives/types.js';
import { resultText, type ToolResult, type ToolSet, type ToolSpec } from '../tools/types.js';
import { checkArguments } from './schema-check.js';
import { RUNTIME_PARAMETERS, validationSchema } from './schema-compact.js';

/** Everything tool execution needs for one persona run. */
export interface ToolEnv {
  persona: string;
  toolset: ToolSet;
  /** Wire <-> qualified names of the offered (allowlisted) tools. */
  names: ToolNameMap;
  /** The offered tools by qualified name. */
  offered: Map<string, ToolSpec>;
  maxToolResultChars: number;
}

/**
 * Runs the tool calls of one model turn, concurrently, and returns one tool_result per call in the same
 * order. Calls the model should not have made — unknown or not-allowlisted tools, arguments that are not an
 * object or fail the tool's schema — are answered with an error result and never reach the tool set. Each
 * real call is a child step at `tool-<k>-<server.tool>`, so it is journaled (a resumed run does not repeat
 * it), timed in the timeline, and handed `ctx.idempotencyKey` for write tools.
 */
export function executeToolCalls(uses: readonly ToolUseBlock[], ctx: Context, env: ToolEnv): Promise<ToolResultBlock[]> {
  return Promise.all(uses.map((use, i) => executeOne(use, i + 1, ctx, env)));
}

async function executeOne(use: ToolUseBlock, k: number, ctx: Context, env: ToolEnv): Promise<ToolResultBlock> {
  const qualified = env.names.qualified(use.name) ?? (env.offered.has(use.name) ? use.name : undefined);
  const spec = qualified !== undefined ? env.offered.get(qualified) : undefined;
  if (qualified === undefined || spec === undefined) return refuse(use, ctx, env);
  if (typeof use.input !== 'object' || use.input === null || Array.isArray(use.input)) {
    const raw = typeof use.input === 'string' ? use.input : JSON.stringify(use.input);
    return errorResult(use, `arguments for ${use.name} must be a JSON object; got ${truncate(raw ?? 'nothing', 200)} (${jsonProblem(raw)})`);
  }
  // Runtime-filled parameters are the loop's to set (the journal's idempotency key), never the model's.
  const args = Object.fromEntries(Object.entries(use.input).filter(([key]) => !RUNTIME_PARAMETERS.includes(key)));
  const problem = checkArguments(validationSchema(spec.inputSchema), args);
  if (problem) return errorResult(use, `invalid arguments for ${use.name}: ${problem}. Fix them and call again.`);
  const result = await ctx.run(toolStep(qualified, spec, env.toolset), args, { segment: `tool-${k}-${qualified}` });
  return toResultBlock(use.id, result, env.maxToolResultChars);
}

function toolStep(name: string, spec: ToolSpec, toolset: ToolSet): Step<Record<string, unknown>, ToolResult> {
  return {
    name,
    kind: 'tool',
    sideEffect: spec.annotations?.readOnlyHint !== true,
    async run(args, ctx) {
      try {
        // ctx makes the tool set put the call in the run's timeline ('tool.call'); we do not emit it twice.
        return await toolset.call(name, args, { signal: ctx.signal, ctx, idempotencyKey: ctx.idempotencyKey });
      } catch (err) {
        if (ctx.signal.aborted || isAbortError(err)) throw err;
        // The ToolSet contract says failures come back as results; a set that throws anyway must not crash the persona.
        return { content: [{ type: 'text', text: `tool ${name} failed: ${describe(err)}` }], isError: true };
      }
    },
  };
}

function refuse(use: ToolUseBlock, ctx: Context, env: ToolEnv): ToolResultBlock {
  const known = env.toolset.list().some((t) => t.name === use.name || toWireName(t.name) === use.name);
  ctx.emit('tool.refused', { persona: env.persona, tool: use.name, reason: known ? 'not allowed' : 'unknown' });
  const offered = [...env.offered.keys()].map((n) => env.names.wire(n) ?? n).join(', ');
  return errorResult(
    use,
    known
      ? `tool ${use.name} is not allowed for the ${env.persona} persona; the call was refused. Allowed tools: ${offered}`
      : `unknown tool ${use.name}. Available tools: ${offered}`,
  );
}

function toResultBlock(id: string, result: ToolResult, maxChars: number): ToolResultBlock {
  let text = resultText(result);
  if (text.trim() === '' && result.structuredContent) text = JSON.stringify(result.structuredContent);
  if (text === '') text = '(no output)';
  return { type: 'tool_result', tool_use_id: id, content: fitToolResult(text, maxChars), ...(result.isError ? { is_error: true } : {}) };
}

function errorResult(use: ToolUseBlock, message: string): ToolResultBlock {
  return { type: 'tool_result', tool_use_id: use.id, content: message, is_error: true };
}


function jsonProblem(raw: string | undefined): string {
  if (raw === undefined) return 'no arguments';
  try {
    JSON.parse(raw);
    return 'valid JSON, but not an object';
  } catch (err) {
    return `invalid JSON: ${(err as Error).message}`;
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
