import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ServiceConfig } from './config.js';
import { formatConfigIssues } from './config.js';
import { durationSchema } from './distribution.js';
import { ServiceConfigError, StartupDependencyMissingError } from './errors.js';

/** Env var through which the lab tells the service what exists around it. */
export const PROVIDES_ENV = 'FIREBREAK_LAB_PROVIDES';

/**
 * Env var through which the platform sets the environment fields of service.config.json — how long the
 * database's queries, the tasks and the saga steps take — for every release. A release's own
 * service.config.json still wins where it sets them (the README says it should not).
 */
export const ENVIRONMENT_ENV = 'FIREBREAK_LAB_ENVIRONMENT';

/** The environment, as a service.config.json fragment: only these three fields. */
const environmentSchema = z.strictObject({
  pool: z.strictObject({ queryLatency: durationSchema }).optional(),
  workers: z.strictObject({ taskDuration: durationSchema }).optional(),
  sagas: z.strictObject({ processor: z.strictObject({ stepDuration: durationSchema }) }).optional(),
});
export type LabEnvironment = z.input<typeof environmentSchema>;

/**
 * Reads the platform's environment fragment from FIREBREAK_LAB_ENVIRONMENT (JSON; absent or empty: none).
 * Throws `ServiceConfigError` naming the variable and the bad field.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const text = (env[ENVIRONMENT_ENV] ?? '').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ServiceConfigError(ENVIRONMENT_ENV, [`not valid JSON: ${(err as Error).message}`]);
  }
  const result = environmentSchema.safeParse(value);
  if (!result.success) throw new ServiceConfigError(ENVIRONMENT_ENV, formatConfigIssues(result.error));
  return value as Record<string, unknown>;
}

/**
 * What the environment provides: dependency name -> endpoint (URL, or "" for something that just exists,
 * like a database the service only needs to find). The lab sets it; the service's config declares what it
 * requires. A release that requires something not in here crash-loops at startup (seed 001).
 */
export type LabProvides = Readonly<Record<string, string>>;

const providesSchema = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names are letters, digits, dot, dash, underscore'), z.string());

/**
 * Parses a provides value: a JSON object `{"payments-api":"http://127.0.0.1:4100","payments-db":""}` or a
 * comma-separated list of names (`payments-db,redis`). Throws `ServiceConfigError` naming `source`.
 */
export function parseProvides(text: string, source: string): LabProvides {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  let value: unknown;
  if (trimmed.startsWith('{')) {
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new ServiceConfigError(source, [`not valid JSON: ${(err as Error).message}`]);
    }
  } else {
    value = Object.fromEntries(trimmed.split(',').map((n) => [n.trim(), '']).filter(([n]) => n !== ''));
  }
  const result = providesSchema.safeParse(value);
  if (!result.success) throw new ServiceConfigError(source, formatConfigIssues(result.error));
  return result.data;
}

/** Reads provides from `--provides <file>` if given, else from FIREBREAK_LAB_PROVIDES, else nothing. */
export async function readProvides(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<LabProvides> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ServiceConfigError(file, [`cannot read file: ${(err as Error).message}`]);
    }
    return parseProvides(text, file);
  }
  return parseProvides(env[PROVIDES_ENV] ?? '', PROVIDES_ENV);
}

/**
 * The startup check: every name in `startup.requires`, and the dependency client's target, must be
 * provided. Throws `StartupDependencyMissingError` for the first missing one; returns the dependency's
 * base URL when a dependency client is configured.
 */
export function checkStartupRequirements(config: ServiceConfig, provides: LabProvides): { dependencyUrl: string | undefined } {
  const names = Object.keys(provides).sort();
  for (const required of config.startup.requires) {
    if (!(required in provides)) throw new StartupDependencyMissingError(required, names);
  }
  if (!config.dependency) return { dependencyUrl: undefined };
  const url = provides[config.dependency.name];
  if (url === undefined || url === '') throw new StartupDependencyMissingError(config.dependency.name, names);
  return { dependencyUrl: url };
}
