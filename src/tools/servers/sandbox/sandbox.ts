import { chmod, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, posix, sep } from 'node:path';
import type { Logger } from 'pino';
import { parseSandboxConfig, type IsolationKind, type SandboxConfigInput, type SandboxLimits } from './config.js';
import { SandboxError, SandboxRequestError } from './errors.js';
import { execBounded } from './exec.js';
import type { IsolationBackend } from './isolation.js';
import { codeCommand, type Language } from './languages.js';
import type { PidsCgroupFactory, RunCgroup } from './pids-cgroup.js';
import { resolveBackend } from './resolve-backend.js';
import { createRunDir } from './run-dir.js';
import { WorkspaceLease } from './workspace-lease.js';
import { stderrLogger } from '../../../primitives/logger.js';

export interface RunCommandRequest {
  command: string;
  args?: string[];
  /** Relative to the workspace root; must stay inside it. */
  cwd?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunCodeRequest {
  language: Language;
  code: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The outcome of one run. A non-zero exit is a normal result, not an error. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  timedOut: boolean;
  isolation: IsolationKind;
  /** The workspace root as the run saw it (e.g. /workspace under bwrap). */
  workspace: string;
  warning?: string;
}

export interface SandboxOptions {
  /** Defaults to a pino logger on stderr (stdout may be an MCP stdio channel). */
  logger?: Logger;
}

/**
 * Runs commands and code against a workspace with isolation and resource limits. Open it once (the
 * backend probe spawns a process) and share it between MCP sessions; each run is independent.
 *
 * Gotcha: runs may write to the workspace, and the writes persist; /tmp and HOME are fresh for every run.
 * When firebreak is root, runs execute as `sandboxUid` and the workspace is chowned to it while runs are
 * in progress, then back (workspace-lease.ts): do not run git on the workspace concurrently with a run.
 */
export class Sandbox {
  private constructor(
    private readonly backend: IsolationBackend,
    private readonly hostWorkspace: string,
    readonly limits: SandboxLimits,
    private readonly cgroups: PidsCgroupFactory | undefined,
    /** bwrap, or any run that drops to another uid: lends the workspace to the run uid and strips setuid/setgid after runs. */
    private readonly lease: WorkspaceLease | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Validates `config`, checks the workspace and probes the isolation backend.
   * Throws SandboxConfigError (bad field) or SandboxUnavailableError (e.g. bwrap missing, with the fix).
   */
  static async open(config: SandboxConfigInput, opts: SandboxOptions = {}): Promise<Sandbox> {
    const cfg = parseSandboxConfig(config);
    const logger = opts.logger ?? stderrLogger('sandbox', 'info');
    const { backend, hostWorkspace, cgroups } = await resolveBackend(cfg);
    if (backend.warning) logger.warn({ isolation: backend.kind }, backend.warning);
    const lease = backend.kind === 'bwrap' || backend.runAs ? await WorkspaceLease.create(hostWorkspace, backend.runAs, logger) : undefined;
    const runAs = backend.runAs ? { uid: backend.runAs.uid, gid: backend.runAs.gid } : undefined;
    logger.info({ isolation: backend.kind, workspace: hostWorkspace, pidsCgroup: cgroups !== undefined, runAs }, 'sandbox ready');
    return new Sandbox(backend, hostWorkspace, cfg.limits, cgroups, lease, logger);
  }

  get isolation(): IsolationKind {
    return this.backend.kind;
  }

  /** The workspace root as runs see it. */
  get workspacePath(): string {
    return this.backend.workspacePath;
  }

  /** Runs `command` with `args` (no shell) in `cwd`. Throws SandboxRequestError for a bad cwd or timeout. */
  async runCommand(req: RunCommandRequest): Promise<RunResult> {
    const cwd = await this.resolveCwd(req.cwd ?? '.');
    return this.run([req.command, ...(req.args ?? [])], cwd, req, undefined);
  }

  /** Writes `code` to a read-only file and runs it with the language's interpreter, in the workspace root. */
  async runCode(req: RunCodeRequest): Promise<RunResult> {
    return this.run([], '', req, { language: req.language, code: req.code });
  }

  private async run(
    argv: string[],
    cwd: string,
    req: { timeoutMs?: number; signal?: AbortSignal },
    code: { language: Language; code: string } | undefined,
  ): Promise<RunResult> {
    const timeoutMs = req.timeoutMs ?? this.limits.defaultTimeoutMs;
    if (timeoutMs > this.limits.maxTimeoutMs) {
      throw new SandboxRequestError(`timeoutMs: must be at most ${this.limits.maxTimeoutMs}`);
    }
    const runDir = await createRunDir('firebreak-run-', this.backend.runAs, { hostPaths: this.backend.kind === 'process' });
    let cgroup: RunCgroup | undefined;
    let leased = false;
    try {
      if (code) {
        const cmd = codeCommand(code.language, this.backend.codeDir(runDir), this.backend.nodePath);
        const file = join(runDir, 'code', cmd.file);
        await writeFile(file, code.code);
        await chmod(file, 0o444); // readable by a run with another uid, whatever the umask
        argv = cmd.argv;
      }
      const launch = this.backend.launch({ argv, cwd, runDir, limits: this.limits });
      if (this.lease) {
        leased = true; // before awaiting: a lease counted in must be released, whatever happens next
        await this.lease.acquire();
      }
      if (this.cgroups) {
        cgroup = await this.cgroups.create(this.limits.maxProcesses);
        // Join the cgroup before exec, so every descendant is born inside it; fail closed if the join fails.
        launch.argv = ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroup.procsFile, ...launch.argv];
      }
      const result = await execBounded(launch, {
        timeoutMs,
        maxOutputBytes: this.limits.maxOutputBytes,
        ...(req.signal ? { signal: req.signal } : {}),
        ...(cgroup ? { killExtra: () => cgroup!.killAll() } : {}),
      });
      if (result.spawnError) throw new SandboxError(`could not start the ${this.backend.kind} sandbox: ${result.spawnError}`);
      this.logger.info(
        { command: argv[0], argc: argv.length - 1, exitCode: result.exitCode, signal: result.signal, timedOut: result.timedOut, durationMs: result.durationMs },
        'sandbox run',
      );
      const { cancelled: _cancelled, spawnError: _spawnError, ...rest } = result;
      return {
        ...rest,
        isolation: this.backend.kind,
        workspace: this.backend.workspacePath,
        ...(this.backend.warning ? { warning: this.backend.warning } : {}),
      };
    } finally {
      // Order matters: the lease walks the workspace by path, which is only safe once no process of the
      // run is left (the cgroup is empty, or bwrap's pid namespace died with its init).
      await cgroup?.dispose();
      if (leased) await this.lease?.release();
      await rm(runDir, { recursive: true, force: true });
    }
  }

  /** Normalises a caller's cwd to a workspace-relative path and checks it is a directory inside. */
  private async resolveCwd(cwd: string): Promise<string> {
    if (isAbsolute(cwd)) throw new SandboxRequestError('cwd: must be relative to the workspace root');
    const normalized = posix.normalize(cwd.replaceAll('\\', '/')).replace(/\/+$/, '');
    if (normalized === '..' || normalized.startsWith('../')) throw new SandboxRequestError('cwd: must stay inside the workspace');
    const relative = normalized === '.' ? '' : normalized;
    // Resolve symlinks on the host: a link inside the checkout must not lead the run outside it.
    const real = await realpath(join(this.hostWorkspace, relative)).catch(() => undefined);
    const isDir = real ? await stat(real).then((s) => s.isDirectory(), () => false) : false;
    if (!real || !isDir) throw new SandboxRequestError(`cwd: no such directory in the workspace: ${cwd}`);
    if (real !== this.hostWorkspace && !real.startsWith(this.hostWorkspace + sep)) {
      throw new SandboxRequestError('cwd: must stay inside the workspace');
    }
    return relative;
  }
}

/** Shorthand for `Sandbox.open`. */
export function openSandbox(config: SandboxConfigInput, opts?: SandboxOptions): Promise<Sandbox> {
  return Sandbox.open(config, opts);
}
