import type { JournalBatch, RunFinish, RunStart, StepRecord } from './backend.js';

/**
 * Journal writes waiting to be stored, so a run costs about one commit instead of one per step: a commit is
 * the expensive part of every backend (a WAL append, a round trip).
 *
 * The journal flushes before a side-effecting step runs and when a run finishes; anything else pending is
 * written on the next turn of the event loop. Records stay readable here until their write has succeeded,
 * and a failed background write leaves them pending: the next flush retries and reports the error.
 */
export class JournalBuffer {
  #starts: RunStart[] = [];
  readonly #steps = new Map<string, StepRecord>();
  #finishes: RunFinish[] = [];
  #writing: Promise<void> | undefined;
  #scheduled = false;

  constructor(private readonly write: (batch: JournalBatch) => Promise<void>) {}

  get size(): number {
    return this.#starts.length + this.#steps.size + this.#finishes.length;
  }

  getStep(runId: string, path: string): StepRecord | undefined {
    return this.#steps.get(keyOf(runId, path));
  }

  start(op: RunStart): void {
    this.#starts.push(op);
    this.#schedule();
  }

  step(record: StepRecord): void {
    this.#steps.set(keyOf(record.runId, record.path), record);
    this.#schedule();
  }

  finish(op: RunFinish): void {
    this.#finishes.push(op);
    this.#schedule();
  }

  /** Writes everything pending now, as one batch; rejects with the backend's error. */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
    if (this.size === 0) return;
    const batch: JournalBatch = { starts: [...this.#starts], steps: [...this.#steps.values()], finishes: [...this.#finishes] };
    const writing = this.write(batch).then(() => {
      // Only what was written leaves the buffer: anything queued meanwhile waits for the next batch.
      this.#starts = this.#starts.filter((s) => !batch.starts.includes(s));
      this.#finishes = this.#finishes.filter((f) => !batch.finishes.includes(f));
      for (const r of batch.steps) {
        const key = keyOf(r.runId, r.path);
        if (this.#steps.get(key) === r) this.#steps.delete(key);
      }
    });
    this.#writing = writing;
    try {
      await writing;
    } finally {
      this.#writing = undefined;
    }
  }

  /** Forgets a run's pending writes (the run is being deleted). */
  drop(runId: string): void {
    this.#starts = this.#starts.filter((s) => s.runId !== runId);
    this.#finishes = this.#finishes.filter((f) => f.runId !== runId);
    for (const [key, r] of this.#steps) if (r.runId === runId) this.#steps.delete(key);
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      // A background failure leaves the writes pending; the next explicit flush retries and reports it.
      this.flush().catch(() => undefined);
    });
  }
}

function keyOf(runId: string, path: string): string {
  return runId + '\0' + path;
}
