import type { Context, Step } from '../primitives/types.js';
import type { PersonaStep } from './persona.js';
import type { PersonaInput } from './types.js';

/**
 * Chains personas: runs `p` and passes the incident on with `p`'s answer added to `previous[p.name]`.
 *
 * When to use: `sequence(handoff(observability()), handoff(backend()), handoff(devops()))` — each persona sees
 * the incident and every earlier persona's structured output.
 * What it does: a transparent wrapper (the persona keeps its own path segment and events). A `task` is
 * meant for one persona only, so it is not passed on.
 * Gotchas: the last step's output is the accumulated PersonaInput; read the answers from `previous`.
 */
export function handoff<O>(p: PersonaStep<O>): Step<PersonaInput, PersonaInput & { previous: Record<string, unknown> }> {
  return {
    name: `handoff(${p.name})`,
    kind: 'handoff',
    transparent: true,
    children: [p],
    async run(input: PersonaInput, ctx: Context) {
      const output = await ctx.run(p, input);
      return { incident: input.incident, previous: { ...(input.previous ?? {}), [p.name]: output } };
    },
  };
}
