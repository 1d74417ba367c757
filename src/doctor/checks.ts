import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_PROMETHEUS_BINARY } from '../lab/prometheus/server.js';

const execFileAsync = promisify(execFile);

/** The prerequisites firebreak's drills need, by id. */
export type CheckId = 'node' | 'git' | 'prometheus' | 'bwrap' | 'chromium';

export interface CheckResult {
  readonly id: CheckId;
  readonly ok: boolean;
  /** Required for `firebreak drill run`; the others degrade a feature (sandbox isolation, report rendering check). */
  readonly required: boolean;
  /** Version or path when ok; what is wrong otherwise. */
  readonly detail: string;
  /** Installed but unusable (bwrap without user namespaces): installing the package again will not help. */
  readonly installed: boolean;
}

/** Minimum Node version (package.json engines). */
export const MIN_NODE = [22, 12] as const;

/** Finds an executable: an explicit path, else the first hit on PATH. */
export async function findOnPath(names: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const name of names) {
    if (name.includes('/')) {
      if (await access(name, constants.X_OK).then(() => true, () => false)) return name;
      continue;
    }
    for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
    }
  }
  return undefined;
}

async function versionOf(binary: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout, stderr } = await execFileAsync(binary, [...args], { env, timeout: 15_000 });
  return (stdout || stderr).split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** Node running firebreak is at least MIN_NODE. */
export function checkNode(version = process.versions.node): CheckResult {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return { id: 'node', ok, required: true, installed: true, detail: ok ? `v${version}` : `v${version} is too old: firebreak needs Node >= ${MIN_NODE.join('.')} (node:sqlite, type stripping)` };
}

async function checkBinary(id: CheckId, names: readonly string[], args: readonly string[], required: boolean, env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const binary = await findOnPath(names, env);
  if (!binary) return { id, ok: false, required, installed: false, detail: `not found (looked for ${names.join(', ')})` };
  try {
    return { id, ok: true, required, installed: true, detail: `${(await versionOf(binary, args, env)) || 'installed'} (${binary})` };
  } catch (err) {
    return { id, ok: false, required, installed: true, detail: `${binary} does not run: ${(err as Error).message.split('\n')[0]}` };
  }
}

/**
 * bwrap is on PATH and can actually build a sandbox here: the sandbox server's own probe, so the answer is
 * the one `firebreak tools sandbox` will get (user namespaces can be disabled even when bwrap is installed).
 */
async function checkBwrap(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const binary = await findOnPath(['bwrap'], env);
  if (!binary) return { id: 'bwrap', ok: false, required: false, installed: false, detail: 'not found: the sandbox would run without isolation (--isolation process)' };
  const workspace = await mkdtemp(join(tmpdir(), 'firebreak-doctor-'));
  try {
    const { openSandbox } = await import('../tools/servers/sandbox/index.js');
    await openSandbox({ workspace, isolation: 'bwrap', bwrapPath: binary }, { logger: pino({ level: 'silent' }) });
    return { id: 'bwrap', ok: true, required: false, installed: true, detail: `user namespaces work (${binary})` };
  } catch (err) {
    return { id: 'bwrap', ok: false, required: false, installed: true, detail: (err as Error).message };
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}

/** The binary the lab will run: FIREBREAK_PROMETHEUS_BIN, else /usr/bin/prometheus (not PATH, like the lab). */
async function checkPrometheus(env: NodeJS.ProcessEnv): Promise<CheckResult> {
  const configured = env.FIREBREAK_PROMETHEUS_BIN ?? DEFAULT_PROMETHEUS_BINARY;
  const result = await checkBinary('prometheus', [configured], ['--version'], true, env);
  if (result.ok || result.installed || env.FIREBREAK_PROMETHEUS_BIN) return result;
  const elsewhere = await findOnPath(['prometheus'], env);
  if (!elsewhere) return result;
  return { ...result, installed: true, detail: `found at ${elsewhere}, but the lab runs ${configured}: set FIREBREAK_PROMETHEUS_BIN=${elsewhere}` };
}

/**
 * Runs every check. Binaries can be pointed at explicitly: FIREBREAK_PROMETHEUS_BIN (as the lab does) and
 * FIREBREAK_CHROMIUM; otherwise PATH is searched.
 */
export async function runChecks(env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  const chromium = env.FIREBREAK_CHROMIUM ? [env.FIREBREAK_CHROMIUM] : ['chromium', 'chromium-browser', 'google-chrome'];
  return Promise.all([
    checkNode(),
    checkBinary('git', ['git'], ['--version'], true, env),
    checkPrometheus(env),
    checkBwrap(env),
    checkBinary('chromium', chromium, ['--version'], false, env),
  ]);
}
