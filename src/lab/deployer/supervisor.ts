import { join } from 'node:path';
import type { Logger } from 'pino';
import { ChildReadyTimeoutError, ChildStartError, type ChildExit } from '../process.js';
import { launchTarget, type TargetHandle } from '../target/launch.js';
import type { LabEnvironment, LabProvides } from '../target/startup.js';
import { tailText } from './releases.js';
import type { Release, ReleaseState } from './types.js';

/** How the first start of a release went: listening, or exited/timed out before it was ready. */
export type FirstStart = { readonly ok: true; readonly handle: TargetHandle } | { readonly ok: false; readonly error: string; readonly stderrTail: string };

export interface SupervisorOptions {
  readonly release: Release;
  readonly provides: LabProvides;
  /** The platform's environment fields, the same for every release. */
  readonly environment?: LabEnvironment;
  /** Shared by every release: the log keeps growing like a log shipper's file, sagas.db survives deploys. */
  readonly logFile: string;
  readonly dataDir: string;
  readonly logger: Logger;
  /** A new process of this release is listening (first start or a restart). */
  readonly onReady: (handle: TargetHandle) => void;
  /** The process is gone (crashed, killed, or never started). */
  readonly onDown: () => void;
  readonly readyTimeoutMs?: number;
  /**
   * Port to listen on: the previous release's, so scrape targets and clients keep one address across
   * deploys (Prometheus needs ~5 s to pick up a new target). Falls back to any free port if it is taken.
   */
  readonly port?: number;
}

// CrashLoopBackOff, time-compressed: 0.5 s, 1 s, 2 s, 4 s, then every 5 s.
const backoffMs = (failures: number): number => Math.min(5_000, 500 * 2 ** Math.max(0, failures - 1));

/**
 * Runs one release of the target service and keeps it running, like an orchestrator with restartPolicy
 * Always: a process that exits unexpectedly (OOM kill, crash) is restarted at once; a release that cannot
 * start is restarted with growing backoff — a crash loop — until `stop()`. Never rolls back by itself.
 */
export class ReleaseSupervisor {
  readonly release: Release;
  readonly firstStart: Promise<FirstStart>;
  readonly since = new Date().toISOString();
  #state: ReleaseState = 'starting';
  #handle: TargetHandle | undefined;
  #starts = 0;
  #lastExit: { at: string; code: number | null; signal: string | null; stderrTail: string } | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #resolveFirst!: (start: FirstStart) => void;
  readonly #loop: Promise<void>;

  constructor(private readonly options: SupervisorOptions) {
    this.release = options.release;
    this.firstStart = new Promise((resolve) => (this.#resolveFirst = resolve));
    this.#loop = this.#run();
  }

  state(): ReleaseState {
    return this.#state;
  }

  restarts(): number {
    return Math.max(0, this.#starts - 1);
  }

  lastExit(): { at: string; code: number | null; signal: string | null; stderrTail: string } | undefined {
    return this.#lastExit;
  }

  /** The running process, if any. */
  handle(): TargetHandle | undefined {
    return this.#handle;
  }

  /** Sends `signal` to the running process (fault injection: SIGKILL is an OOM kill). Returns false when none runs. */
  kill(signal: NodeJS.Signals): boolean {
    if (!this.#handle) return false;
    this.#handle.child.signal(signal);
    return true;
  }

  /** Stops supervising and stops the process (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#handle?.stop();
    await this.#loop;
    this.#state = 'stopped';
  }

  async #run(): Promise<void> {
    const { release, logger } = this.options;
    let failures = 0;
    let port = this.options.port;
    while (!this.#stopped) {
      let handle: TargetHandle;
      this.#starts++;
      try {
        handle = await launchTarget({
          config: join(release.dir, 'service.config.json'),
          workDir: release.dir,
          provides: this.options.provides,
          ...(this.options.environment ? { environment: this.options.environment } : {}),
          revision: release.revision,
          logFile: this.options.logFile,
          dataDir: this.options.dataDir,
          readyTimeoutMs: this.options.readyTimeoutMs ?? 15_000,
          ...(port !== undefined ? { port } : {}),
        });
      } catch (err) {
        const stderrTail = tailText(err instanceof ChildStartError || err instanceof ChildReadyTimeoutError ? err.stderrTail : '');
        const exit = err instanceof ChildStartError ? err.exit : undefined;
        const error = describeStartFailure(err, exit);
        if (port !== undefined && /EADDRINUSE|cannot listen/.test(stderrTail)) {
          // Someone took the port between two releases: not the release's fault, take any free port.
          logger.warn({ release: release.id, port }, 'previous port is taken, starting on a free port');
          port = undefined;
          continue;
        }
        failures++;
        this.#lastExit = { at: new Date().toISOString(), code: exit?.code ?? null, signal: exit?.signal ?? null, stderrTail };
        this.#state = 'crash-looping';
        this.#resolveFirst({ ok: false, error, stderrTail });
        this.options.onDown();
        logger.warn({ release: release.id, revision: release.revision, failures, error }, 'release failed to start, backing off');
        await this.#sleep(backoffMs(failures));
        continue;
      }
      if (this.#stopped) {
        await handle.stop();
        break;
      }
      port = handle.port;
      this.#handle = handle;
      this.#state = 'running';
      this.#resolveFirst({ ok: true, handle });
      this.options.onReady(handle);
      const runningSince = Date.now();
      const exit = await handle.child.exited;
      this.#handle = undefined;
      if (this.#stopped) break;
      // A process that dies soon after starting is crash-looping at runtime: back off like a failed start.
      failures = Date.now() - runningSince < 10_000 ? failures + 1 : 0;
      this.#lastExit = { at: new Date().toISOString(), code: exit.code, signal: exit.signal, stderrTail: tailText(handle.child.stderr()) };
      this.#state = 'restarting';
      this.options.onDown();
      logger.warn({ release: release.id, revision: release.revision, code: exit.code, signal: exit.signal }, 'service exited unexpectedly, restarting');
      await this.#sleep(failures > 1 ? backoffMs(failures - 1) : 200);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}

function describeStartFailure(err: unknown, exit: ChildExit | undefined): string {
  if (err instanceof ChildReadyTimeoutError) return `the service did not start listening within ${err.timeoutMs} ms`;
  if (exit) return `the service exited at startup with ${exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`}`;
  return `the service could not be started: ${(err as Error).message.split('\n')[0]}`;
}
