import { rmSync } from 'node:fs';
import type { Logger } from 'pino';

/**
 * Undo steps registered as the lab starts each part, run last-in first-out. Every step runs even when an
 * earlier one fails (its error is logged), so a failure halfway through start-up or stop never leaves
 * processes, ports or temp dirs behind. `run()` is idempotent.
 */
export class Teardown {
  readonly #steps: { name: string; fn: () => Promise<void> | void }[] = [];
  readonly #late: Promise<void>[] = [];
  #running: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /**
   * Registers an undo step. If teardown already began (an abort landed while a part was starting), the
   * step runs as soon as the teardown in progress is done, so a part that finished starting late still stops.
   */
  add(name: string, fn: () => Promise<void> | void): void {
    if (this.#running) {
      this.#late.push(this.#running.then(() => this.#exec(name, fn)));
      return;
    }
    this.#steps.push({ name, fn });
  }

  /** Runs every step once, last registered first; resolves when all (late ones included) are done. */
  async run(): Promise<void> {
    this.#running ??= (async () => {
      for (let step = this.#steps.pop(); step; step = this.#steps.pop()) await this.#exec(step.name, step.fn);
    })();
    await this.#running;
    await Promise.all(this.#late);
  }

  async #exec(name: string, fn: () => Promise<void> | void): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.logger.warn({ err, step: name }, 'lab teardown step failed');
    }
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Tears the lab down on Ctrl-C / SIGTERM / SIGHUP, and removes `ownedDir` synchronously if the process
 * exits without a stop (child processes are killed by process.ts's own exit hook). After the teardown,
 * if nobody else handles the signal (only process.ts's hook and ours), the signal is raised again so the
 * process ends the way the user asked. Returns the function that uninstalls the handlers.
 */
export function stopOnTermination(stop: () => Promise<void>, ownedDir: string | undefined, logger: Logger): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const onExit = (): void => {
    if (ownedDir) rmSync(ownedDir, { recursive: true, force: true });
  };
  const uninstall = (): void => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
    handlers.clear();
    process.off('exit', onExit);
  };
  for (const sig of SIGNALS) {
    const handler = (): void => {
      logger.warn({ signal: sig }, 'signal received: stopping the lab');
      void stop().finally(() => {
        uninstall();
        // process.ts keeps one listener that re-raises when it is the last; anyone else (a CLI) decides itself.
        if (process.listenerCount(sig) <= 1) process.kill(process.pid, sig);
      });
    };
    handlers.set(sig, handler);
    process.on(sig, handler);
  }
  process.on('exit', onExit);
  return uninstall;
}
