import { existsSync } from 'node:fs';
import { PLAYBOOK_LABEL } from '../models/playbook/model.js';
import { DrillInputError } from './errors.js';
import { DEFAULT_ANTHROPIC_MODEL } from '../workflows/models.js';

/** Which model drives the personas in a drill: `--model playbook | anthropic[:MODEL] | replay:FILE`. */
export type ModelChoice =
  | { kind: 'playbook' }
  | { kind: 'anthropic'; model: string }
  | { kind: 'replay'; file: string };

/** The Anthropic model `--model anthropic` means when no model id follows it. */

/**
 * Parses a `--model` value. Throws DrillInputError (the CLI exits 2) for an unknown kind, a replay
 * cassette that does not exist, or `anthropic` without ANTHROPIC_API_KEY in `env` — a drill that would
 * fail at its first model call is bad input, not a failed drill.
 */
export function parseModelChoice(value: string, env: NodeJS.ProcessEnv = process.env): ModelChoice {
  if (value === 'playbook') return { kind: 'playbook' };
  if (value === 'anthropic' || value.startsWith('anthropic:')) {
    const model = value.slice('anthropic:'.length) || DEFAULT_ANTHROPIC_MODEL;
    if (!env.ANTHROPIC_API_KEY) throw new DrillInputError('--model anthropic needs ANTHROPIC_API_KEY in the environment');
    return { kind: 'anthropic', model: value === 'anthropic' ? DEFAULT_ANTHROPIC_MODEL : model };
  }
  if (value.startsWith('replay:')) {
    const file = value.slice('replay:'.length);
    if (file === '') throw new DrillInputError('--model replay:FILE needs a cassette file');
    if (!existsSync(file)) throw new DrillInputError(`--model replay: cassette '${file}' does not exist`);
    return { kind: 'replay', file };
  }
  throw new DrillInputError(`--model: expected playbook, anthropic[:MODEL] or replay:FILE, got '${value}'`);
}

/** The label reports show before the incident record names the model. */
export function modelChoiceLabel(choice: ModelChoice): string {
  if (choice.kind === 'playbook') return PLAYBOOK_LABEL;
  if (choice.kind === 'anthropic') return choice.model;
  return `replay (${choice.file})`;
}
