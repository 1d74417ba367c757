import { AsyncLocalStorage } from 'node:async_hooks';
import type { ChatModel } from '../models/types.js';
import type { Context, Step } from '../primitives/types.js';
import type { ToolSet } from '../tools/types.js';

/**
 * Where personas get their model and tools when their definition does not fix them. A workflow is defined
 * once and run with different runtimes — playbooks in a drill, Claude in production, a replay in CI:
 *
 *   run(provide({ model: (name) => playbooks[name], toolset: host }, incidentWorkflow), alert)
 *
 * Resolution order for each persona: its own `model`/`toolset` option, then the innermost `provide()`.
 */
export interface PersonaRuntime {
  /** One model for every persona, or one per persona name (return undefined to fall through). */
  model?: ChatModel | ((persona: string) => ChatModel | undefined);
  toolset?: ToolSet;
}

const storage = new AsyncLocalStorage<PersonaRuntime[]>();

/**
 * Supplies a model and/or tool set to every persona inside `inner`.
 *
 * When to use: workflows whose personas are defined without a model or tools (the built-in ones), run with
 * a runtime chosen at the call site.
 * What it does: a transparent wrapper (no path segment, no events) that makes `runtime` visible to the
 * steps it runs, through AsyncLocalStorage; nested provides stack (inner wins, outer fills gaps).
 * Gotchas: personas' own `model`/`toolset` options take precedence over what is provided.
 */
export function provide<I, O>(runtime: PersonaRuntime, inner: Step<I, O>): Step<I, O> {
  return {
    name: `provide(${inner.name})`,
    kind: 'provide',
    transparent: true,
    children: [inner],
    run(input: I, ctx: Context): Promise<O> {
      const stack = storage.getStore() ?? [];
      return storage.run([runtime, ...stack], () => ctx.run(inner, input));
    },
  };
}

/** The provided model and tool set for `persona`, innermost first. */
export function resolveRuntime(persona: string): { model?: ChatModel; toolset?: ToolSet } {
  let model: ChatModel | undefined;
  let toolset: ToolSet | undefined;
  for (const rt of storage.getStore() ?? []) {
    if (!model && rt.model) model = typeof rt.model === 'function' ? rt.model(persona) : rt.model;
    if (!toolset && rt.toolset) toolset = rt.toolset;
    if (model && toolset) break;
  }
  return { ...(model ? { model } : {}), ...(toolset ? { toolset } : {}) };
}
