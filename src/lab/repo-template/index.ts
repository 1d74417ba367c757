import { CONFIG_TEST_SOURCE } from './config-test.js';
import { renderReadme } from './readme.js';

export { CONFIG_TEST_DEFAULTS, CONFIG_TEST_SOURCE } from './config-test.js';

/** Expected traffic per endpoint: the capacity plan the config tests check the config against. */
export const CAPACITY_PLAN = {
  endpoints: {
    '/api/workflows/execute': { peakRequestsPerSec: 60, p95TargetMs: 500 },
    '/api/tasks': { peakRequestsPerSec: 10 },
    '/api/orders': { peakRequestsPerSec: 50 },
    '/api/sagas': { peakRequestsPerSec: 5 },
  },
  tasks: { maxTaskRuntimeMs: 5_000 },
} as const;

export interface RepoTemplateOptions {
  /** service.config.json on main: the scenario's incident-prone settings, as written in the scenario. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Names the environment provides (what the lab passes as FIREBREAK_LAB_PROVIDES). */
  readonly provides: readonly string[];
  readonly owner: string;
  readonly repo: string;
}

/** Pretty JSON with a trailing newline, as a person would commit it. */
export const toJsonFile = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The files of the service repository under repair, path -> content: service.config.json, capacity.json,
 * README.md (config reference and runbooks), package.json and test/config.test.mjs (`node --test`, no
 * dependencies). The service's code is not in it: the lab runs firebreak's target with the release's config.
 */
export function repoTemplateFiles(o: RepoTemplateOptions): Record<string, string> {
  const serviceName = typeof (o.config.service as { name?: unknown } | undefined)?.name === 'string' ? String((o.config.service as { name: string }).name) : 'workflows-api';
  return {
    'service.config.json': toJsonFile(o.config),
    'capacity.json': toJsonFile({ ...CAPACITY_PLAN, environment: { provides: [...o.provides].sort() } }),
    'README.md': renderReadme({ serviceName, owner: o.owner, repo: o.repo }),
    'package.json': toJsonFile({ name: serviceName, private: true, type: 'module', scripts: { test: 'node --test' } }),
    'test/config.test.mjs': CONFIG_TEST_SOURCE,
    '.gitignore': 'node_modules/\n',
  };
}
