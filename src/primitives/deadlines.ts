/**
 * Deadlines that all last the same time, sharing one timer.
 *
 * Why: a `timeout()` arms a deadline for every call and almost always cancels it a moment later. A Node timer
 * per call costs a timer-list insert and removal (and, when the list empties, a new list each time) — more
 * than the rest of a guarded call. Since every deadline of one `timeout()` has the same length, they expire
 * in the order they were armed: a FIFO queue and a single timer, armed for the oldest live deadline, do the
 * same job for the price of an array push and a flag.
 * Cancelled entries are dropped lazily (from the front as they are reached, all at once when none is live),
 * so the queue holds about as many entries as calls in flight. The timer keeps the process alive only while
 * some deadline is live, as a per-call timer would.
 */
export interface Deadline {
  /** performance.now() at which it expires. */
  readonly at: number;
  /** Runs at expiry; cleared on cancel or expiry, which also releases what it holds. */
  onExpire: (() => void) | undefined;
}

export class DeadlineQueue {
  readonly #ms: number;
  #entries: Deadline[] = [];
  #head = 0;
  #live = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  /** Arms a deadline `ms` from now. */
  add(onExpire: () => void): Deadline {
    const entry: Deadline = { at: performance.now() + this.#ms, onExpire };
    this.#entries.push(entry);
    if (++this.#live === 1) {
      if (this.#timer === undefined) this.#arm(this.#ms);
      else this.#timer.ref();
    }
    return entry;
  }

  /** Disarms a deadline; a no-op once it has expired or been cancelled. */
  cancel(entry: Deadline): void {
    if (entry.onExpire === undefined) return;
    entry.onExpire = undefined;
    if (--this.#live === 0) {
      // Nothing live: forget every entry, and let an idle process exit (the timer stays, unreferenced, so the
      // next call does not pay to create one; when it fires with nothing due it simply is not re-armed).
      this.#entries = [];
      this.#head = 0;
      this.#timer?.unref();
      return;
    }
    const entries = this.#entries;
    while (this.#head < entries.length && entries[this.#head]!.onExpire === undefined) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(delayMs: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(1, Math.ceil(delayMs)));
    if (this.#live === 0) this.#timer.unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    const entries = this.#entries;
    while (this.#head < entries.length) {
      const entry = entries[this.#head]!;
      const expire = entry.onExpire;
      if (expire !== undefined && entry.at > now) break;
      this.#head++;
      if (expire === undefined) continue;
      entry.onExpire = undefined;
      this.#live--;
      expire();
      // The callback may have cancelled the last live deadline, which starts a fresh queue: nothing is left here.
      if (this.#entries !== entries) break;
    }
    if (this.#entries === entries && this.#live === 0) {
      this.#entries = [];
      this.#head = 0;
    }
    // An expiry callback may have armed a new deadline, and with it a timer, already.
    if (this.#timer !== undefined) return;
    const next = this.#entries[this.#head];
    if (next !== undefined && this.#live > 0) this.#arm(next.at - now);
  };
}
