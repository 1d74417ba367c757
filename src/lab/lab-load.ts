import type { Logger } from 'pino';
import { parseLoadSpec } from './load/generator.js';
import type { LoadSpecInput } from './load/profile.js';
import { distEntry, spawnChild, type ChildHandle } from './process.js';

/** One stream of traffic: a rate on one endpoint for a while. */
export interface LoadStream {
  readonly name: string;
  readonly url: string;
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly body?: Record<string, unknown> | undefined;
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly requestTimeoutMs: number;
  /** Start again when the profile ends, until stopAll() (the baseline never ends while the lab runs). */
  readonly loop: boolean;
}

// The load generator bounds one run (profile at most 1 h, 200k requests); a looping stream starts a new run.
const MAX_RUN_MS = 60 * 60_000;

/**
 * The lab's traffic: each stream is its own load generator child process (`dist/lab/load/main.js`),
 * so the generator's timers never compete with the lab process that serves the ingress and the tools.
 */
export class LabLoad {
  readonly #children = new Map<string, ChildHandle>();
  readonly #cancelled = new Set<string>();
  #stopped = false;

  constructor(private readonly logger: Logger) {}

  /**
   * Starts a stream (validated as a load spec first, so a bad scenario fails here with the field name).
   * A stream of the same name that is still running is replaced.
   */
  async start(stream: LoadStream): Promise<void> {
    if (this.#stopped) return;
    if (this.#children.has(stream.name)) await this.stop(stream.name);
    this.#cancelled.delete(stream.name);
    let remainingMs = stream.durationMs;
    const runOnce = async (): Promise<void> => {
      const runMs = Math.min(stream.loop ? MAX_RUN_MS : remainingMs, MAX_RUN_MS);
      remainingMs -= runMs;
      const spec: LoadSpecInput = {
        url: stream.url,
        path: stream.path,
        method: stream.method,
        ...(stream.body ? { body: stream.body } : {}),
        profile: { kind: 'steady', ratePerSec: stream.ratePerSec, durationMs: runMs },
        requestTimeoutMs: stream.requestTimeoutMs,
        // The generator preallocates stats for maxRequests: size it to the run, not to the maximum.
        maxRequests: Math.min(1_000_000, Math.ceil((stream.ratePerSec * runMs) / 1000) + 100),
      };
      parseLoadSpec(spec);
      const child = await spawnChild({ name: `load:${stream.name}`, args: [distEntry('lab/load/main.js'), '--spec', JSON.stringify(spec), '--progress-ms', '0'], waitFor: 'spawn' });
      this.#children.set(stream.name, child);
      void child.exited.then((exit) => {
        if (this.#children.get(stream.name) === child) this.#children.delete(stream.name);
        if (this.#stopped || this.#cancelled.has(stream.name)) return;
        if (exit.code !== 0) this.logger.warn({ stream: stream.name, code: exit.code, signal: exit.signal, stderr: child.stderr().slice(-500) }, 'load generator exited abnormally');
        if (stream.loop || remainingMs > 0) runOnce().catch((err: unknown) => this.logger.error({ err, stream: stream.name }, 'load generator restart failed'));
      });
    };
    await runOnce();
  }

  /** Names of the streams running now. */
  running(): string[] {
    return [...this.#children.keys()];
  }

  /** Stops one stream (no-op when it is not running). */
  async stop(name: string): Promise<void> {
    const child = this.#children.get(name);
    this.#cancelled.add(name);
    this.#children.delete(name);
    await child?.stop({ graceMs: 2_000 });
  }

  /** Stops every stream; no stream starts again. */
  async stopAll(): Promise<void> {
    this.#stopped = true;
    await Promise.all([...this.#children.values()].map((c) => c.stop({ graceMs: 2_000 })));
    this.#children.clear();
  }
}
