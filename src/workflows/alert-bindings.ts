import { createHash } from 'node:crypto';
import type { Json, MemoryStore } from '../memory/types.js';

/**
 * Which incident each alert fingerprint belongs to, shared by every process on one memory store.
 *
 * Why a log and not a key: the memory store has no compare-and-set, but its timelines give every appended
 * event a seq that is strictly increasing per namespace across processes, and an appender's event is stored
 * only after every event with a lower seq (PostgreSQL serialises appends on the namespace's counter row,
 * SQLite on its write lock, Redis in one script). So each fingerprint gets a log (`alert:<fingerprint>`) of
 * `bind` / `resolve` / `release` events, and its binding is a fold of that log: a `bind` binds the
 * fingerprint when nothing is bound, a `resolve` unbinds it, a `release` undoes a bind whose incident could
 * not be opened. A process that wants to open an incident appends `bind(proposed id)` and folds the log up to
 * its own seq: it won exactly when its event is the one that bound the fingerprint. Two concurrent deliveries
 * of one alert (an Alertmanager retry, two `firebreak serve` processes) therefore agree on one incident.
 *
 * Folds start from a snapshot in `alert-bindings` (any snapshot is correct for its seq, so concurrent
 * writers need no coordination) and read only the events after it.
 */

/** Snapshots of the folds, keyed by log namespace. */
export const BINDINGS_NS = 'alert-bindings';
/** How many events a fold may read past its snapshot before it stores a new one. */
const SNAPSHOT_EVERY = 16;
const PAGE = 1000;

type LogEvent =
  | { t: 'bind'; incident: string; at: string }
  | { t: 'resolve'; at: string }
  | { t: 'release'; incident: string; at: string };

interface Bound {
  incident: string;
  /** The seq of the bind event that bound it. */
  seq: number;
  at: string;
}

interface Snapshot {
  seq: number;
  bound: Bound | null;
}

/** The outcome of `bind`: the incident the fingerprint is bound to, and whether this call bound it. */
export interface BindResult {
  incident: string;
  won: boolean;
}

/** The log namespace of a fingerprint: readable when it is a plain token, hashed otherwise. */
export function fingerprintNamespace(fingerprint: string): string {
  return /^[A-Za-z0-9_.:-]{1,128}$/.test(fingerprint)
    ? `alert:${fingerprint}`
    : `alert:#${createHash('sha256').update(fingerprint).digest('hex').slice(0, 32)}`;
}

/**
 * Fingerprint → incident bindings in a memory store.
 *
 * When to use: by the alert intake (alert-intake.ts), once per process; any number of processes may share
 * the store.
 * What it does: `bind` atomically binds a fingerprint to a proposed incident unless one is bound already;
 * `resolve` ends the binding (the alert source said `resolved`); `release` takes back a bind whose incident
 * was never opened; `current` reads the binding.
 * Gotchas: a binding lasts until the source says `resolved` — also after the incident ended — so an alert
 * source that never sends resolutions (Alertmanager `send_resolved: false`) never opens a second incident
 * for the same fingerprint.
 */
export class AlertBindings {
  constructor(private readonly memory: MemoryStore) {}

  /** The incident the fingerprint is bound to now, or undefined. */
  async current(fingerprint: string): Promise<{ incident: string; since: string } | undefined> {
    const state = await this.#fold(fingerprintNamespace(fingerprint));
    return state.bound ? { incident: state.bound.incident, since: state.bound.at } : undefined;
  }

  /**
   * Binds `fingerprint` to `proposed` unless it is bound already. Returns the bound incident: `proposed`
   * with `won: true` when this call bound it, else the incident another call bound (won: false).
   */
  async bind(fingerprint: string, proposed: string): Promise<BindResult> {
    const ns = fingerprintNamespace(fingerprint);
    const { seq } = await this.memory.append(ns, { t: 'bind', incident: proposed, at: new Date().toISOString() } satisfies LogEvent);
    const state = await this.#fold(ns, seq);
    // Our own bind is in the fold, so something is bound.
    const bound = state.bound as Bound;
    return { incident: bound.incident, won: bound.seq === seq };
  }

  /** Ends the fingerprint's binding; returns the incident it was bound to, or undefined when none was. */
  async resolve(fingerprint: string): Promise<string | undefined> {
    const ns = fingerprintNamespace(fingerprint);
    const { seq } = await this.memory.append(ns, { t: 'resolve', at: new Date().toISOString() } satisfies LogEvent);
    // The binding in force just before our resolve is the one it ended.
    return (await this.#fold(ns, seq - 1)).bound?.incident;
  }

  /** Takes back a bind to `incident` (its incident could not be opened); a binding to another incident stays. */
  async release(fingerprint: string, incident: string): Promise<void> {
    await this.memory.append(fingerprintNamespace(fingerprint), { t: 'release', incident, at: new Date().toISOString() } satisfies LogEvent);
  }

  /** Folds the log up to `upTo` (default: its end), from the stored snapshot when it is not past `upTo`. */
  async #fold(ns: string, upTo = Number.POSITIVE_INFINITY): Promise<Snapshot> {
    const stored = (await this.memory.get(BINDINGS_NS, ns)) as Snapshot | undefined;
    let state: Snapshot = stored && stored.seq <= upTo ? stored : { seq: 0, bound: null };
    const from = state.seq;
    for (;;) {
      const page = await this.memory.events(ns, { afterSeq: state.seq, limit: PAGE });
      for (const { seq, event } of page) {
        if (seq > upTo) return this.#keep(ns, state, from);
        state = { seq, bound: apply(state.bound, event as LogEvent, seq) };
      }
      if (page.length < PAGE) return this.#keep(ns, state, from);
    }
  }

  async #keep(ns: string, state: Snapshot, from: number): Promise<Snapshot> {
    if (state.seq - from >= SNAPSHOT_EVERY) await this.memory.put(BINDINGS_NS, ns, state as unknown as Json);
    return state;
  }
}

function apply(bound: Bound | null, event: LogEvent, seq: number): Bound | null {
  switch (event.t) {
    case 'bind':
      return bound ?? { incident: event.incident, seq, at: event.at };
    case 'resolve':
      return null;
    case 'release':
      return bound?.incident === event.incident ? null : bound;
    default:
      return bound;
  }
}
