import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { playbookModel, type PlaybookInput } from '../models/playbook/index.js';
import type { ChatModel } from '../models/types.js';
import { compileRunbook, runbookSchema } from './runbook.js';

/**
 * The shipped playbooks (playbooks/*.yaml) and any team's own: runbooks as data, loaded, validated (errors
 * name the file and the field), compiled to playbookModel rules, one per persona (the file's `name`).
 */

/** A playbook file is unreadable, not YAML/JSON, or fails the runbook schema. */
export class PlaybookFileError extends Error {
  override readonly name = 'PlaybookFileError';
  constructor(readonly file: string, readonly issues: readonly string[]) {
    super(`${file}: invalid playbook:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** The playbooks shipped with firebreak: `<package>/playbooks` (src/workflows and dist/workflows are two levels down). */
export function playbooksDir(): string {
  return fileURLToPath(new URL('../../playbooks/', import.meta.url));
}

/** Reads, validates and compiles one runbook file (YAML or JSON). */
export async function loadPlaybookFile(file: string): Promise<PlaybookInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PlaybookFileError(file, [`cannot read: ${(err as Error).message}`]);
  }
  let value: unknown;
  if (extname(file) === '.json') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new PlaybookFileError(file, [`not JSON: ${(err as Error).message}`]);
    }
  } else {
    // merge: YAML merge keys (`<<: *anchor`) let a runbook reuse a call's arguments.
    const doc = parseDocument(text, { merge: true });
    if (doc.errors.length > 0) throw new PlaybookFileError(file, doc.errors.map((e) => `YAML: ${e.message}`));
    value = doc.toJS();
  }
  const parsed = runbookSchema.safeParse(value);
  if (!parsed.success) throw new PlaybookFileError(file, describeIssues(parsed.error.issues, []));
  try {
    const compiled = compileRunbook(parsed.data);
    playbookModel(compiled); // validates conditions and actions; errors name rules.N.field
    return compiled;
  } catch (err) {
    throw new PlaybookFileError(file, [(err as Error).message]);
  }
}

/** Every *.yaml / *.yml / *.json runbook in `dir`, by playbook name. */
export async function loadPlaybooks(dir: string = playbooksDir()): Promise<Record<string, PlaybookInput>> {
  const files = (await readdir(dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  const out: Record<string, PlaybookInput> = {};
  for (const f of files) {
    const pb = await loadPlaybookFile(join(dir, f));
    if (out[pb.name]) throw new PlaybookFileError(join(dir, f), [`name: '${pb.name}' is already defined by another file in ${dir}`]);
    out[pb.name] = pb;
  }
  return out;
}

/**
 * Playbook models for the workflow's personas: `(persona) => ChatModel`, for `provide({ model })` or the
 * incident service's `model` option. A persona without a playbook gets none (its run fails with a clear
 * PersonaConfigError rather than a guess).
 */
export async function playbookModels(dir?: string): Promise<(persona: string) => ChatModel | undefined> {
  const playbooks = await loadPlaybooks(dir);
  const models = new Map(Object.entries(playbooks).map(([name, pb]) => [name, playbookModel(pb)]));
  return (persona) => models.get(persona);
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: Issue[][];
}

/**
 * zod issues as `field.path: message`. For a union (a condition is one of several shapes) zod only says
 * "Invalid input"; the branch with the fewest problems is almost always the one meant, so its issues are
 * reported instead (`procedures.0.when.0.gt: expected number`).
 */
function describeIssues(issues: readonly Issue[], prefix: PropertyKey[]): string[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors && i.errors.length > 0) {
      const best = [...i.errors].sort((a, b) => a.length - b.length)[0]!;
      if (best.length > 0) return describeIssues(best, path);
    }
    return [`${path.map(String).join('.') || '(root)'}: ${i.message}`];
  });
}
