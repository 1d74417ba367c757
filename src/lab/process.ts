import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** Env var set on every child spawned here: `exitWithParent()` in the child reads it. */
export const EXIT_WITH_PARENT_ENV = 'FIREBREAK_EXIT_WITH_PARENT';

/** How a child ended: exactly one of `code` / `signal` is non-null. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnChildOptions {
  /** Short name used in error messages ("target", "prometheus"). */
  readonly name: string;
  /** Executable; defaults to the running Node (`process.execPath`), so children run the same Node version. */
  readonly command?: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  /** Merged over `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `port`: wait for a `{"port":N}` line on stdout (default). `spawn`: ready as soon as the process runs. */
  readonly waitFor?: 'port' | 'spawn';
  readonly readyTimeoutMs?: number;
  /** Every stdout line other than the ready line (the load generator reports its stats this way). */
  readonly onStdoutLine?: (line: string) => void;
  /** How much of the child's stderr to keep for error messages. */
  readonly stderrLimitBytes?: number;
}

/** A running child process, its whole process group killed on stop() or when this process exits. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  /** The port from the `{"port":N}` line; undefined when `waitFor: 'spawn'`. */
  readonly port: number | undefined;
  /** Resolves when the child exits, however it ends. Never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Set once the child has exited. */
  exitInfo(): ChildExit | undefined;
  /** The tail of the child's stderr (bounded). */
  stderr(): string;
  /** Sends a signal to the child's process group (SIGKILL to simulate an OOM kill, say). No-op once exited. */
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` (SIGTERM), waits up to `graceMs` (5000), then SIGKILLs the group. Idempotent. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ChildExit>;
}

/** The child exited (or failed to spawn) before reporting ready. */
export class ChildStartError extends Error {
  override readonly name = 'ChildStartError';
  constructor(
    readonly child: string,
    readonly exit: ChildExit | undefined,
    readonly stderrTail: string,
    detail: string,
  ) {
    super(`${child} failed to start: ${detail}${stderrTail ? `\n--- ${child} stderr ---\n${stderrTail.trimEnd()}` : ''}`);
  }
}

/** The child did not report ready in time; it has been killed. */
export class ChildReadyTimeoutError extends Error {
  override readonly name = 'ChildReadyTimeoutError';
  constructor(
    readonly child: string,
    readonly timeoutMs: number,
    readonly stderrTail: string,
  ) {
    super(`${child} did not report ready within ${timeoutMs} ms${stderrTail ? `\n--- ${child} stderr ---\n${stderrTail.trimEnd()}` : ''}`);
  }
}

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group may already be gone (ESRCH) — fall back to the direct child.
    try {
      child.kill(signal);
    } catch {
      /* already exited */
    }
  }
}

// Children run in their own process group (so a stop takes grandchildren too), which also means a
// Ctrl-C on the parent's terminal no longer reaches them: the parent must take them down itself.
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const child of live) killGroup(child, 'SIGTERM');
      // If nobody else handles the signal, restore the default behaviour (die) instead of swallowing it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, onSignal);
  }
}

function appendBounded(buffer: string, chunk: string, limit: number): string {
  const next = buffer + chunk;
  return next.length > limit ? next.slice(next.length - limit) : next;
}

function parsePortLine(line: string): number | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'port' in value) {
      const port = (value as { port: unknown }).port;
      if (typeof port === 'number' && Number.isInteger(port) && port > 0 && port < 65536) return port;
    }
  } catch {
    /* not the ready line */
  }
  return undefined;
}

/**
 * Spawns a lab child process (target service, dependency, load generator, Prometheus) and waits until it
 * is ready: by default until it prints `{"port":N}` on stdout.
 *
 * The child runs in its own process group; `stop()` and the exit of this process kill the whole group, so
 * nothing is left running. Node children also get `FIREBREAK_EXIT_WITH_PARENT=1` and a stdin pipe, so
 * `exitWithParent()` lets them notice a parent that died by SIGKILL. Rejects with `ChildStartError` (with
 * the child's stderr tail) if it exits first, or `ChildReadyTimeoutError` after `readyTimeoutMs` (15 s).
 */
export async function spawnChild(options: SpawnChildOptions): Promise<ChildHandle> {
  installCleanup();
  const waitFor = options.waitFor ?? 'port';
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const stderrLimit = options.stderrLimitBytes ?? 64 * 1024;
  const child = spawn(options.command ?? process.execPath, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, [EXIT_WITH_PARENT_ENV]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  live.add(child);
  child.stdin.on('error', () => undefined); // EPIPE once the child is gone: nothing to report.

  let stderrBuf = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderrBuf = appendBounded(stderrBuf, chunk, stderrLimit);
  });

  let exit: ChildExit | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      // 'exit' never comes when spawn itself failed (ENOENT): settle here.
      if (child.pid === undefined) {
        exit = { code: null, signal: null };
        live.delete(child);
        resolve(exit);
      }
    });
    child.once('close', (code, signal) => {
      exit = { code, signal };
      live.delete(child);
      resolve(exit);
    });
  });

  let port: number | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (port === undefined && waitFor === 'port') {
        const parsed = parsePortLine(line.trim());
        if (parsed !== undefined) {
          port = parsed;
          resolve();
          return;
        }
      }
      options.onStdoutLine?.(line);
    });
    if (waitFor === 'spawn') child.once('spawn', () => resolve());
    void exited.then((info) => {
      const detail = spawnError ? spawnError.message : `exited with ${info.code !== null ? `code ${info.code}` : `signal ${info.signal}`} before it was ready`;
      reject(new ChildStartError(options.name, spawnError && child.pid === undefined ? undefined : info, stderrBuf, detail));
    });
  });

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChildReadyTimeoutError(options.name, readyTimeoutMs, stderrBuf)), readyTimeoutMs);
  });

  let stopping: Promise<ChildExit> | undefined;
  const stop = (opts?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<ChildExit> => {
    if (exit) return Promise.resolve(exit);
    stopping ??= (async () => {
      killGroup(child, opts?.signal ?? 'SIGTERM');
      const grace = setTimeout(() => killGroup(child, 'SIGKILL'), opts?.graceMs ?? 5_000);
      const info = await exited;
      clearTimeout(grace);
      return info;
    })();
    return stopping;
  };

  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    await stop({ signal: 'SIGKILL' });
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    name: options.name,
    pid: child.pid ?? -1,
    port,
    exited,
    exitInfo: () => exit,
    stderr: () => stderrBuf,
    signal: (sig) => killGroup(child, sig),
    stop,
  };
}

/**
 * Child side of `spawnChild`: calls `onParentGone` when the parent that spawned us dies (its end of our
 * stdin closes), even if it died by SIGKILL and could not clean up. Does nothing unless started by
 * `spawnChild` (env `FIREBREAK_EXIT_WITH_PARENT=1`), so running a child by hand from a shell is unaffected.
 */
export function exitWithParent(onParentGone: () => void): void {
  if (process.env[EXIT_WITH_PARENT_ENV] !== '1') return;
  process.stdin.on('error', () => undefined);
  process.stdin.once('end', onParentGone);
  process.stdin.once('close', onParentGone);
  process.stdin.resume();
  // Watching must not keep the child alive on its own once its real work is done.
  process.stdin.unref();
}

/**
 * Path of a compiled lab entry point (`lab/target/main.js`) next to the calling module. Lab children always
 * run compiled JavaScript: when the caller itself runs from TypeScript sources (vitest), the sibling
 * `dist/` tree is used instead of `src/`.
 */
export function distEntry(relativeToDist: string): string {
  const self = fileURLToPath(import.meta.url).replace(/([\\/])src([\\/]lab[\\/])process\.ts$/, '$1dist$2process.js');
  return join(dirname(self), '..', relativeToDist);
}
