import { existsSync } from 'node:fs';
import { anthropicModel } from '../models/anthropic.js';
import { PLAYBOOK_LABEL } from '../models/playbook/model.js';
import { replayModel } from '../models/replay.js';
import type { ChatModel } from '../models/types.js';
import { playbookModels } from './playbooks.js';

/** How the personas think: `playbook` (no LLM), `anthropic[:MODEL]`, `replay:FILE`, or an Anthropic model object. */
export type ModelSpec = string | { provider: 'anthropic'; model: string; baseURL?: string | undefined; maxRetries?: number | undefined };

/** The Anthropic model `anthropic` means without a model id. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

/** A model spec that cannot be used here (unknown kind, missing API key, missing cassette). */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';
}

export interface ResolvedModels {
  /** For IncidentServiceOptions.model / provide({ model }). */
  model: ChatModel | ((persona: string) => ChatModel | undefined);
  label: string;
}

/**
 * Turns a model spec into the personas' model(s).
 *
 * When to use: building an incident service from configuration or a `--model` flag.
 * What it does: `playbook` loads the runbooks (the shipped ones, or `playbooksDir`) as one playbook model
 * per persona; `anthropic` checks ANTHROPIC_API_KEY and makes one Claude model for all personas; `replay:FILE`
 * serves a cassette recorded with recordModel (one cassette for the whole incident, in order).
 * Gotchas: throws ModelSpecError for a spec that would fail at the first model call — a bad flag is bad input.
 */
export async function resolveModels(spec: ModelSpec, opts: { playbooksDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ResolvedModels> {
  const env = opts.env ?? process.env;
  if (typeof spec === 'object') {
    if (!env.ANTHROPIC_API_KEY) throw new ModelSpecError('the anthropic model needs ANTHROPIC_API_KEY in the environment');
    const model = anthropicModel({ model: spec.model, ...(spec.baseURL ? { baseURL: spec.baseURL } : {}), ...(spec.maxRetries !== undefined ? { maxRetries: spec.maxRetries } : {}) });
    return { model, label: spec.model };
  }
  if (spec === 'playbook') return { model: await playbookModels(opts.playbooksDir), label: PLAYBOOK_LABEL };
  if (spec === 'anthropic' || spec.startsWith('anthropic:')) {
    const name = spec === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : spec.slice('anthropic:'.length);
    if (!name) throw new ModelSpecError("--model anthropic:MODEL needs a model id after the colon");
    if (!env.ANTHROPIC_API_KEY) throw new ModelSpecError('--model anthropic needs ANTHROPIC_API_KEY in the environment');
    return { model: anthropicModel({ model: name }), label: name };
  }
  if (spec.startsWith('replay:')) {
    const file = spec.slice('replay:'.length);
    if (!file || !existsSync(file)) throw new ModelSpecError(`--model replay: cassette '${file}' does not exist`);
    const model = replayModel(file);
    return { model, label: `replay (${file})` };
  }
  throw new ModelSpecError(`model: expected playbook, anthropic[:MODEL] or replay:FILE, got '${spec}'`);
}
