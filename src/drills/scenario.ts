import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { formatConfigIssues } from '../lab/target/config.js';
import { scenarioSchema, type Scenario } from './scenario-schema.js';

export { ROOT_CAUSE_CATEGORIES, scenarioSchema, type BuiltinTarget, type CustomTarget, type RootCauseCategory, type Scenario, type ScenarioAlert, type ScenarioFault, type ScenarioInput, type ScenarioTarget, type SloCheck } from './scenario-schema.js';

/** A scenario file is unreadable, not YAML, or fails the schema. The message names the file and each bad field. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
  ) {
    super(`${file}: invalid scenario:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** No scenario of that name in the scenarios directory. The message lists the known ones. */
export class ScenarioNotFoundError extends Error {
  override readonly name = 'ScenarioNotFoundError';
  constructor(
    readonly scenario: string,
    readonly known: readonly string[],
  ) {
    super(`unknown scenario '${scenario}' (known: ${known.join(', ') || 'none'})`);
  }
}

/**
 * The scenarios shipped with firebreak: `<package>/scenarios`. Both `src/drills` (tests) and `dist/drills`
 * (the installed package) sit two levels below the package root.
 */
export function scenariosDir(): string {
  return fileURLToPath(new URL('../../scenarios/', import.meta.url));
}

/**
 * Validates an already-parsed scenario value. Relative paths in a custom target resolve against `baseDir`.
 * Throws `ScenarioError` naming `source` and each bad field (`fault.durationMs: ...`).
 */
export function parseScenario(value: unknown, source = '<inline>', baseDir = process.cwd()): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) throw new ScenarioError(source, formatConfigIssues(result.error));
  const scenario = result.data;
  if (scenario.target.kind === 'custom') {
    const t = scenario.target;
    const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
    const cmd = <C extends { cwd?: string | undefined }>(c: C): C => ({ ...c, cwd: abs(c.cwd ?? '.') });
    scenario.target = { ...t, logFile: abs(t.logFile), repo: { ...t.repo, dir: abs(t.repo.dir) }, deploy: cmd(t.deploy), ...(t.start ? { start: cmd(t.start) } : {}) };
  }
  if (scenario.fault.kind === 'command') scenario.fault = { ...scenario.fault, run: { ...scenario.fault.run, cwd: isAbsolute(scenario.fault.run.cwd ?? '.') ? (scenario.fault.run.cwd as string) : resolve(baseDir, scenario.fault.run.cwd ?? '.') } };
  return { ...scenario, source };
}

/** Reads and validates one scenario YAML file. Throws `ScenarioError` (file + field + YAML line). */
export async function loadScenarioFile(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new ScenarioError(file, doc.errors.map((e) => `not valid YAML: ${e.message.split('\n')[0] ?? e.message}`));
  return parseScenario(doc.toJS(), file, dirname(resolve(file)));
}

const isFileRef = (s: string): boolean => s.includes('/') || s.includes('\\') || /\.ya?ml$/i.test(s);

/**
 * Loads a scenario by name (`pool-exhaustion` -> `<scenarios>/pool-exhaustion.yaml`) or by path (anything
 * with a slash or a .yaml/.yml extension). Use it for `firebreak drill run <name|file>`.
 * Throws `ScenarioNotFoundError` (listing the known names) or `ScenarioError`.
 * Gotcha: the file's `name` must match its file name, so the name in reports is the one the user typed.
 */
export async function loadScenario(nameOrFile: string, options: { dir?: string } = {}): Promise<Scenario> {
  if (isFileRef(nameOrFile)) return checkName(await loadScenarioFile(nameOrFile), nameOrFile);
  const dir = options.dir ?? scenariosDir();
  const known = await scenarioNames(dir);
  if (!known.includes(nameOrFile)) throw new ScenarioNotFoundError(nameOrFile, known);
  const file = join(dir, `${nameOrFile}.yaml`);
  return checkName(await loadScenarioFile(file), file);
}

function checkName(scenario: Scenario, file: string): Scenario {
  const stem = basename(file, extname(file));
  if (scenario.name !== stem) throw new ScenarioError(file, [`name: '${scenario.name}' does not match the file name '${stem}'`]);
  return scenario;
}

async function scenarioNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
}

/** A scenario as `firebreak drill list` shows it: never the expected answer. */
export interface ScenarioSummary {
  readonly name: string;
  readonly title: string;
  readonly seed: string | undefined;
  readonly target: 'builtin' | 'custom';
  readonly file: string;
}

/**
 * Every scenario in the scenarios directory, validated, sorted by name. Throws `ScenarioError` for the
 * first invalid file, so a broken scenario cannot hide from CI.
 */
export async function listScenarios(options: { dir?: string } = {}): Promise<ScenarioSummary[]> {
  const dir = options.dir ?? scenariosDir();
  const out: ScenarioSummary[] = [];
  for (const name of await scenarioNames(dir)) {
    const file = join(dir, `${name}.yaml`);
    const s = checkName(await loadScenarioFile(file), file);
    out.push({ name: s.name, title: s.title, seed: s.seed, target: s.target.kind, file });
  }
  return out;
}
