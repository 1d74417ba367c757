import { spawn } from 'node:child_process';
import { BoundedOutput } from './bounded-output.js';
import type { Launch } from './isolation.js';

export interface ExecOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  /** Aborting (e.g. the MCP client cancelled the call) kills the run like a timeout does. */
  signal?: AbortSignal;
  /** Extra kill step for processes that left the process group (the run's cgroup). */
  killExtra?: () => Promise<void>;
}

export interface ExecResult {
  /** Exit code, or null when the process was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  timedOut: boolean;
  /** The caller's signal aborted the run. */
  cancelled: boolean;
  /** The process could not be started at all (e.g. ENOENT); the other fields are then empty. */
  spawnError?: string;
}

/** After the main process exits, how long to wait for its pipes to drain before closing them ourselves. */
const DRAIN_GRACE_MS = 500;

/**
 * Spawns `launch` in its own process group, captures bounded stdout/stderr and enforces a wall-clock limit
 * by SIGKILLing the whole group. Never rejects: every outcome is a result.
 *
 * Gotcha: when the main process exits, the rest of its process group is killed too. A run is over when its
 * command is over; background daemons do not outlive the call.
 */
export function execBounded(launch: Launch, opts: ExecOptions): Promise<ExecResult> {
  const started = performance.now();
  const stdout = new BoundedOutput(opts.maxOutputBytes);
  const stderr = new BoundedOutput(opts.maxOutputBytes);
  const [file, ...args] = launch.argv;

  return new Promise<ExecResult>((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    let drainTimer: NodeJS.Timeout | undefined;

    const child = spawn(file, args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so one kill reaches every descendant that stayed in it
    });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      void opts.killExtra?.();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      killGroup();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    const finish = (spawnError?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        durationMs: Math.round(performance.now() - started),
        timedOut,
        cancelled,
        ...(spawnError ? { spawnError } : {}),
      });
    };

    child.on('error', (err) => finish(err.message));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      clearTimeout(timer); // finished in time, even if its pipes take a moment to drain
      killGroup();
      // A grandchild that escaped the group may still hold the pipes open; do not wait for it forever.
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, DRAIN_GRACE_MS);
    });
    child.on('close', () => finish());
  });
}
