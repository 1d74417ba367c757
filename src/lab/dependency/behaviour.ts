import type { ServerResponse } from 'node:http';
import type { DependencyOptions } from './config.js';

/** Why the dependency is browned out: told to fail, or tipped over by more requests than it can hold. */
export type BrownoutCause = 'injected' | 'overload';

/** Observable state for /admin/state, metrics and tests. */
export interface DependencyState {
  readonly up: boolean;
  readonly cause: BrownoutCause | null;
  /** Requests being served normally. */
  readonly serving: number;
  /** Requests waiting for a free slot. */
  readonly queued: number;
  /** Requests held by the current brownout (they will all fail when it ends). */
  readonly held: number;
  readonly capacity: number;
  readonly queueLimit: number;
  readonly served: number;
  readonly failed: number;
  readonly brownouts: Readonly<Record<BrownoutCause, number>>;
  /** Cumulative milliseconds spent browned out, including the current brownout so far. */
  readonly downMs: number;
  /**
   * What the provider's status page says: `major_outage` while an injected outage (`fail()`) lasts,
   * `operational` otherwise — overload brownouts caused by clients do not show there.
   */
  readonly statusPage: StatusPageStatus;
}

/** A status page component's status, in statuspage.io's vocabulary (the two this lab uses). */
export type StatusPageStatus = 'operational' | 'major_outage';

export interface BehaviourEvents {
  onBrownoutStart?(cause: BrownoutCause, untilMs: number, state: DependencyState): void;
  onBrownoutEnd?(failedTogether: number, durationMs: number): void;
  onAnswered?(status: 200 | 503): void;
}

interface Serving {
  readonly res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The dependency's physics, a deliberately simple metastable-failure model:
 * - healthy, it serves `capacity` requests at once, `serviceMs` each; up to `queueLimit` more wait FIFO
 *   (this absorbs ordinary bursts, e.g. a client process that stalled for a moment);
 * - one request beyond capacity + queue starts a *brownout* of `brownoutMs` (think GC death spiral or
 *   thread starvation): nothing completes; everything in flight, queued or arriving is held, and when the
 *   brownout ends it ALL fails together with 503;
 * - `fail(ms)` injects the same brownout on purpose (a failover that stalls connections, then drops them).
 *
 * Because held requests fail at one instant, clients that retry without jitter come back at one instant:
 * a wave above capacity + queue, another brownout, another synchronized wave — it stays down while more
 * than capacity + queue requests arrive per brownout. With full jitter the wave is spread over the backoff
 * window, the queue absorbs it, and the dependency recovers.
 */
export class DependencyBehaviour {
  private readonly serving = new Set<Serving>();
  private readonly queue: ServerResponse[] = [];
  private readonly held = new Set<ServerResponse>();
  private brownoutStarted = 0;
  private brownoutUntil = 0;
  private cause: BrownoutCause | null = null;
  private endTimer: NodeJS.Timeout | undefined;
  private served = 0;
  private failed = 0;
  private downMsClosed = 0;
  /** End of the injected outage (epoch ms): the provider knows about its own outage, not about a client's storm. */
  private injectedUntil = 0;
  private readonly brownouts: Record<BrownoutCause, number> = { injected: 0, overload: 0 };

  constructor(
    private readonly options: DependencyOptions,
    private readonly events: BehaviourEvents = {},
  ) {}

  /** Handles one service request (any path but the admin/metrics ones). */
  handle(res: ServerResponse): void {
    if (this.cause !== null) return this.hold(res);
    if (this.serving.size < this.options.capacity) return this.serve(res);
    if (this.queue.length < this.options.queueLimit) {
      this.queue.push(res);
      res.once('close', () => {
        const i = this.queue.indexOf(res);
        if (i >= 0) this.queue.splice(i, 1);
      });
      return;
    }
    this.startBrownout('overload', this.options.brownoutMs);
    this.hold(res);
  }

  /** Injects a brownout of `durationMs` (extends a current one if it would end sooner). */
  fail(durationMs: number): void {
    this.injectedUntil = Math.max(this.injectedUntil, Date.now() + durationMs);
    this.startBrownout('injected', durationMs);
  }

  state(): DependencyState {
    return {
      up: this.cause === null,
      cause: this.cause,
      serving: this.serving.size,
      queued: this.queue.length,
      held: this.held.size,
      capacity: this.options.capacity,
      queueLimit: this.options.queueLimit,
      served: this.served,
      failed: this.failed,
      brownouts: { ...this.brownouts },
      downMs: this.downMsClosed + (this.cause !== null ? Date.now() - this.brownoutStarted : 0),
      statusPage: Date.now() < this.injectedUntil ? 'major_outage' : 'operational',
    };
  }

  /** Fails everything held, queued or in flight and clears timers (server shutdown). */
  close(): void {
    clearTimeout(this.endTimer);
    const pending = [...[...this.serving].map((e) => (clearTimeout(e.timer), e.res)), ...this.queue, ...this.held];
    this.serving.clear();
    this.queue.length = 0;
    this.held.clear();
    for (const res of pending) this.answer(res, 503, { error: 'shutting down' });
  }

  private serve(res: ServerResponse): void {
    const entry: Serving = { res, timer: undefined };
    entry.timer = setTimeout(() => {
      this.serving.delete(entry);
      this.served++;
      this.answer(res, 200, { status: 'ok' });
      this.next();
    }, this.options.serviceMs);
    this.serving.add(entry);
    res.once('close', () => {
      if (!this.serving.delete(entry)) return;
      clearTimeout(entry.timer);
      this.next();
    });
  }

  private next(): void {
    while (this.cause === null && this.serving.size < this.options.capacity && this.queue.length > 0) {
      const res = this.queue.shift();
      if (res && !res.destroyed) this.serve(res);
    }
  }

  private startBrownout(cause: BrownoutCause, durationMs: number): void {
    const now = Date.now();
    const until = now + durationMs;
    if (this.cause !== null && until <= this.brownoutUntil) return;
    if (this.cause === null) {
      this.brownoutStarted = now;
      // Requests being served or queued are caught in the brownout too: they will fail with the rest.
      for (const entry of this.serving) {
        clearTimeout(entry.timer);
        this.hold(entry.res);
      }
      this.serving.clear();
      for (const res of this.queue.splice(0)) this.hold(res);
    }
    this.cause = cause;
    this.brownouts[cause]++;
    this.brownoutUntil = until;
    clearTimeout(this.endTimer);
    this.endTimer = setTimeout(() => this.endBrownout(), durationMs);
    this.events.onBrownoutStart?.(cause, until, this.state());
  }

  private endBrownout(): void {
    const held = [...this.held];
    this.held.clear();
    const durationMs = Date.now() - this.brownoutStarted;
    this.downMsClosed += durationMs;
    this.cause = null;
    this.brownoutUntil = 0;
    for (const res of held) this.answer(res, 503, { error: `${this.options.name} unavailable` });
    this.events.onBrownoutEnd?.(held.length, durationMs);
  }

  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.once('close', () => this.held.delete(res));
  }

  private answer(res: ServerResponse, status: 200 | 503, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    if (status === 503) this.failed++;
    this.events.onAnswered?.(status);
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
