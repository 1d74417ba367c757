import type { DrillProgress } from './phases.js';
import type { DrillPhase } from './types.js';

const PHASE_LABEL: Record<DrillPhase, string> = {
  start: 'starting the lab',
  warmup: 'warming up',
  inject: 'injecting the fault',
  detect: 'waiting for the alert',
  respond: 'personas responding',
  verify: 'verifying SLOs',
  teardown: 'tearing down',
};

const clockText = (ms: number): string => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
};

/**
 * Shows drill progress on a stream. On a TTY: one live status line (scenario, phase, elapsed) redrawn
 * every second. Elsewhere (CI logs): one line per finished phase, nothing redrawn.
 * Call `stop()` before printing anything else, and always at the end (it clears the ticker).
 */
export class ProgressDisplay {
  #timer: NodeJS.Timeout | undefined;
  #current: { scenario: string; phase: DrillPhase; since: number; base: number } | undefined;

  constructor(private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {}

  /** Feed it every DrillProgress of a run. */
  update(p: DrillProgress): void {
    if (p.status === 'start') {
      this.#current = { scenario: p.scenario, phase: p.phase, since: Date.now(), base: p.elapsedMs };
      if (this.out.isTTY) {
        this.#timer ??= setInterval(() => this.#draw(), 1000);
        this.#timer.unref();
        this.#draw();
      }
      return;
    }
    if (this.out.isTTY) {
      if (!p.ok) {
        this.#clearLine();
        this.out.write(`${p.scenario}: ${p.phase} failed: ${p.error ?? 'unknown error'}\n`);
      }
      this.#draw();
      return;
    }
    this.out.write(`${p.scenario}: ${p.phase} ${p.ok ? 'done' : `failed (${p.error ?? 'unknown error'})`} at ${clockText(p.elapsedMs)}\n`);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.out.isTTY) this.#clearLine();
    this.#current = undefined;
  }

  #draw(): void {
    const c = this.#current;
    if (!c) return;
    const elapsed = c.base + (Date.now() - c.since);
    const line = `${c.scenario}  ${PHASE_LABEL[c.phase]}  ${clockText(elapsed)}`;
    this.#clearLine();
    this.out.write(line.slice(0, Math.max(20, (this.out.columns ?? 80) - 1)));
  }

  #clearLine(): void {
    this.out.write('\r\x1b[2K');
  }
}
