import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ToolHostConfigError } from '../tools/host/errors.js';
import { resolveHostConfig } from '../tools/host/config.js';
import { configSchema, type FirebreakConfig } from './schema.js';

/** The file `firebreak respond` reads when no --config is given. */
export const DEFAULT_CONFIG_FILE = 'firebreak.config.json';

/** The config file is missing, not JSON, or invalid; `issues` name each field (`personas.backend.budget.turns: ...`). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly file: string, readonly issues: readonly string[]) {
    super(`${file}: invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/**
 * Validates a parsed config and resolves its relative paths (memory file, playbooks, post-mortems, replay
 * cassette) against `baseDir` — the config file's directory, so a config means the same from any cwd.
 * The mcpServers entries are checked with the tool host's own rules (without starting anything).
 */
export function parseConfig(value: unknown, source = '<inline>', baseDir = process.cwd(), env: NodeJS.ProcessEnv = process.env): FirebreakConfig {
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new ConfigError(source, parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`));
  }
  const config = parsed.data;
  try {
    resolveHostConfig({ mcpServers: config.mcpServers, env: { ...env }, ...(config.tools.serverOptions ? { serverOptions: config.tools.serverOptions } : {}) });
  } catch (err) {
    if (err instanceof ToolHostConfigError) throw new ConfigError(source, err.issues.map((i) => `${i.path}: ${i.message}`));
    throw err;
  }
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  if (config.memory.startsWith('sqlite:')) {
    const path = config.memory.slice('sqlite:'.length);
    if (path !== '' && path !== ':memory:' && !path.startsWith('//') && !isAbsolute(path)) config.memory = `sqlite:${abs(path)}`;
  }
  if (config.playbooks) config.playbooks = abs(config.playbooks);
  config.postmortemDir = abs(config.postmortemDir);
  if (config.serve.tokenFile) config.serve.tokenFile = abs(config.serve.tokenFile);
  if (config.runner.kind === 'dbos' && !config.runner.database && !/^postgres(ql)?:/.test(config.memory)) {
    throw new ConfigError(source, ['runner.database: the dbos runner needs a PostgreSQL database; set it, or use PostgreSQL memory']);
  }
  if (!config.runner.execute && (config.runner.kind === 'local' || (config.runner.kind === 'auto' && !/^postgres(ql)?:/.test(config.memory)))) {
    throw new ConfigError(source, ['runner.execute: only the dbos runner can leave incidents to workers (PostgreSQL memory, or runner.kind "dbos")']);
  }
  if (typeof config.model === 'string' && config.model.startsWith('replay:')) config.model = `replay:${abs(config.model.slice('replay:'.length))}`;
  return config;
}

/** Reads and validates a config file (JSON). Throws ConfigError naming the file and each bad field. */
export async function loadConfig(file: string = DEFAULT_CONFIG_FILE, env: NodeJS.ProcessEnv = process.env): Promise<FirebreakConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(value, file, dirname(path), env);
}
