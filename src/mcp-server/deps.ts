import type { Logger } from 'pino';
import type { FirebreakConfig } from '../config/schema.js';
import { openResponder } from '../config/runtime.js';
import { parseModelChoice, modelChoiceLabel } from '../drills/model-choice.js';
import { defaultPostmortem, defaultResponder } from '../drills/responder.js';
import { backend } from '../personas/builtin/backend.js';
import { devops } from '../personas/builtin/devops.js';
import { observability } from '../personas/builtin/observability.js';
import type { PersonaStep } from '../personas/persona.js';
import type { PersonaOptions } from '../personas/types.js';
import type { ApprovalPolicy } from '../workflows/approval-broker.js';
import { resolveModels, type ModelSpec } from '../workflows/models.js';
import { drillDesk } from './drill-desk.js';
import { personaDesk } from './persona-desk.js';
import type { FirebreakMcpDeps } from './types.js';

export interface OpenMcpDepsOptions {
  /** Overrides config.model for incidents and persona_ask (`--model`). */
  model?: ModelSpec;
  /** Overrides config.approval.policy (`--approve`). */
  approve?: ApprovalPolicy;
  /** The drills' model: playbook (default, no LLM) | anthropic[:MODEL] | replay:FILE. */
  drillModel?: string;
  /** Where drill reports go. */
  drillOutDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface McpRuntime {
  deps: FirebreakMcpDeps;
  /** The model label incidents and persona_ask use. */
  modelLabel: string;
  /** Names of the tools the tool host offers (for the startup log). */
  toolCount: number;
  /** Stops running incidents (resumable), disconnects MCP servers, closes memory. */
  close(): Promise<void>;
}

type Override = NonNullable<FirebreakConfig['personas']['observability']>;

/** The config's persona overrides, applied to the built-in personas persona_ask offers (an allowlist cut there must hold here too). */
function personaOptions(o: Override | undefined): Partial<PersonaOptions<never>> {
  if (!o) return {};
  return {
    ...(o.instructions ? { instructions: o.instructions } : {}),
    ...(o.tools ? { tools: o.tools } : {}),
    ...(o.maxOutputTokens ? { limits: { maxOutputTokens: o.maxOutputTokens } } : {}),
  };
}

/**
 * Opens everything `firebreak mcp` serves from a config: the incident service (tool host, model, memory —
 * via config/runtime.ts, exactly as `firebreak respond`), the persona desk over the built-in personas and
 * the same tools, and the drill desk with its own model (drills bring their own lab and tools).
 * Gotchas: throws the config layer's ModelSpecError / PlaybookFileError for a bad model; close() always.
 */
export async function openMcpRuntime(config: FirebreakConfig, opts: OpenMcpDepsOptions): Promise<McpRuntime> {
  // A plain copy: process.env is an exotic object that schema validation of the tool host's options refuses.
  const env = opts.env ?? { ...process.env };
  const spec = opts.model ?? config.model;
  const drillChoice = parseModelChoice(opts.drillModel ?? 'playbook', env);
  const respond = await defaultResponder(drillChoice, { logger: opts.logger });
  const models = await resolveModels(spec, { ...(config.playbooks ? { playbooksDir: config.playbooks } : {}), env });
  const runtime = await openResponder(config, { model: spec, ...(opts.approve ? { approve: opts.approve } : {}), logger: opts.logger, env });
  const p = config.personas;
  const personas = [
    observability(personaOptions(p.observability)),
    backend(personaOptions(p.backend)),
    devops(personaOptions(p.devops)),
  ] as unknown as PersonaStep<unknown>[];
  const deps: FirebreakMcpDeps = {
    incidents: runtime.service,
    personas: personaDesk({
      personas,
      model: models.model,
      tools: runtime.tools,
      incidents: runtime.service,
      context: { ...(config.repository ? { repository: config.repository } : {}), baseBranch: config.baseBranch, services: config.services },
      ...(config.approval.risky ? { risky: config.approval.risky } : {}),
      logger: opts.logger,
    }),
    drills: drillDesk({ respond, model: modelChoiceLabel(drillChoice), outDir: opts.drillOutDir, postmortem: defaultPostmortem(), logger: opts.logger }),
    logger: opts.logger,
  };
  return { deps, modelLabel: runtime.modelLabel, toolCount: runtime.tools.list().length, close: () => runtime.close() };
}
