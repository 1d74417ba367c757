import type { IsolationKind, SandboxLimits } from './config.js';
import type { RunAs } from './privileges.js';

/** One run as the isolation backend is asked to start it. */
export interface LaunchRequest {
  /** Command and arguments as the run sees them (paths inside the sandbox). */
  argv: string[];
  /** Working directory relative to the workspace root, already normalised and checked. */
  cwd: string;
  /** Host scratch directory of this run, laid out by `createRunDir` (run-dir.ts). */
  runDir: string;
  limits: SandboxLimits;
}

/** What to actually spawn on the host. */
export interface Launch {
  argv: [string, ...string[]];
  /** Host directory to spawn in. */
  cwd: string;
  /** The complete environment of the spawned process; nothing is inherited from firebreak. */
  env: Record<string, string>;
}

/**
 * An isolation backend turns a run request into a host command line. Backends are pure argv builders (the
 * spawning, time limit and output capture are shared in exec.ts), which keeps each one small and testable.
 */
export interface IsolationBackend {
  readonly kind: IsolationKind;
  /** Set when the backend is weaker than expected; repeated in every result so the model sees it too. */
  readonly warning: string | undefined;
  /** The workspace root as the command sees it. */
  readonly workspacePath: string;
  /** The host uid/gid runs execute as, when it is not firebreak's own (firebreak started as root). */
  readonly runAs: RunAs | undefined;
  /** firebreak's Node binary as the command sees it: run_code's JS/TS interpreter, first `node` on PATH. */
  readonly nodePath: string;
  /** Where `runDir/code` is visible to the command. */
  codeDir(runDir: string): string;
  launch(req: LaunchRequest): Launch;
}

/** The environment every run gets: nothing from the host, so tokens in firebreak's env never leak in.
 *  CI/NO_COLOR keep test runners non-interactive and their output free of escape codes. */
export function baseEnv(path: string, home: string): Record<string, string> {
  return { PATH: path, HOME: home, TMPDIR: home, LANG: 'C.UTF-8', CI: 'true', NO_COLOR: '1' };
}
