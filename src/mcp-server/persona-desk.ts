import type { Logger } from 'pino';
import type { ChatModel } from '../models/types.js';
import type { PersonaStep } from '../personas/persona.js';
import { provide } from '../personas/runtime.js';
import type { PersonaInput } from '../personas/types.js';
import { run } from '../primitives/run.js';
import type { StepEvent } from '../primitives/types.js';
import { redactJson } from '../security/redact.js';
import type { ToolSet } from '../tools/types.js';
import { DEFAULT_RISKY, gateTools } from '../workflows/approval-gate.js';
import type { IncidentService } from '../workflows/incident.js';
import { buildIncidentContext, type IncidentContextOptions } from '../workflows/incident-context.js';
import { IncidentNotFoundError, UnknownPersonaError } from './errors.js';
import type { PersonaAnswer, PersonaAskOptions, PersonaDesk, PersonaQuestion } from './types.js';

export interface PersonaDeskOptions {
  /** The personas on offer, e.g. the built-ins: `[observability(), backend(), devops()]`. */
  personas: readonly PersonaStep<unknown>[];
  /** One model for all, or one per persona name; a persona's own model wins. */
  model: ChatModel | ((persona: string) => ChatModel | undefined);
  /** The tool host; each question gets it behind an approval gate. */
  tools: ToolSet;
  /** To ask in the context of an incident (its alert and the personas' outputs so far). */
  incidents?: IncidentService;
  /** Repository and service settings for the incident context (as the incident service has them). */
  context?: Omit<IncidentContextOptions, 'id' | 'now'>;
  /** Tool names (globs) that need approval besides destructive ones; default the workflow's. */
  risky?: readonly string[];
  logger?: Logger;
}

/**
 * The persona desk `persona_ask` uses: runs one persona on one question with its own allowlist, behind an
 * approval gate whose approver is the asking client (risky actions refused when there is none).
 *
 * When to use: the CLI wires it to the built-in personas and the server's tool host; embedders may offer
 * their own personas.
 * What it does: builds the persona input (`task` = the question; `incident` = the incident's context and
 * `previous` = its persona outputs when an incident id is given), runs it with `run()` so cancellation,
 * events and budgets work as everywhere, and returns the typed answer with its usage, redacted.
 * Gotchas: the answer is whatever the persona's output schema says; the run is not journaled (a question
 * is cheap to ask again).
 */
export function personaDesk(opts: PersonaDeskOptions): PersonaDesk {
  const byName = new Map(opts.personas.map((p) => [p.definition.name, p]));
  return {
    list: () => opts.personas.map((p) => ({ name: p.definition.name, description: p.definition.description, tools: p.definition.tools })),
    async ask(q: PersonaQuestion, askOpts: PersonaAskOptions): Promise<PersonaAnswer> {
      const step = byName.get(q.persona);
      if (!step) throw new UnknownPersonaError(q.persona, [...byName.keys()]);
      const input = await inputFor(q, opts);
      const gated = gateTools(opts.tools, {
        policy: askOpts.approver ? 'require' : 'deny',
        risky: opts.risky ?? DEFAULT_RISKY,
        persona: q.persona,
        ...(askOpts.approver ? { approver: askOpts.approver } : {}),
      });
      let result: Record<string, unknown> | undefined;
      const onEvent = (event: StepEvent): void => {
        if (event.type === 'custom' && event.name === 'persona.result') result = event.data;
        askOpts.onEvent?.(event);
      };
      const output = await run(provide({ model: opts.model, toolset: gated }, step), input, {
        signal: askOpts.signal,
        onEvent,
        ...(opts.logger ? { logger: opts.logger } : {}),
      });
      const usage = (result?.usage ?? {}) as Partial<Record<'inputTokens' | 'outputTokens' | 'toolCalls' | 'turns', number>>;
      return {
        persona: q.persona,
        model: String(result?.label ?? result?.model ?? 'unknown'),
        answer: redactJson(isRecord(output) ? output : { value: output }),
        usage: { inputTokens: usage.inputTokens ?? 0, outputTokens: usage.outputTokens ?? 0, toolCalls: usage.toolCalls ?? 0, turns: usage.turns ?? 0 },
      };
    },
  };
}

async function inputFor(q: PersonaQuestion, opts: PersonaDeskOptions): Promise<PersonaInput> {
  if (q.incidentId === undefined) return { incident: {}, task: q.question };
  const record = await opts.incidents?.get(q.incidentId);
  if (!record) throw new IncidentNotFoundError(q.incidentId);
  const incident = buildIncidentContext(record.alert, { ...(opts.context ?? {}), id: record.id });
  return { incident: { ...incident }, previous: record.outputs, task: q.question };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
