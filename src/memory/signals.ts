import type { Logger } from 'pino';
import type { SignalTransport } from './backend.js';
import type { Json, SignalListener, Unsubscribe } from './types.js';

/** Largest serialized signal payload, in UTF-8 bytes: PostgreSQL's NOTIFY takes under 8000 bytes in all. */
export const MAX_SIGNAL_BYTES = 4096;

/**
 * The subscriber side of a store's signals: one transport per store, shared by every subscription, started
 * when the first listener arrives and stopped when the last one leaves (so a process that only publishes —
 * `firebreak approve` — never opens a listening connection). Messages are dispatched by topic here, in
 * the process, which keeps the backends to one channel each.
 *
 * Gotchas: starting and stopping are serialized, so a subscribe racing the last unsubscribe restarts the
 * transport rather than losing it. A listener that throws is logged and the others still run.
 */
export class SignalHub {
  readonly #listeners = new Map<string, Set<SignalListener>>();
  #running = false;
  #closed = false;
  #op: Promise<void> = Promise.resolve();

  constructor(private readonly transport: SignalTransport, private readonly logger: Logger) {}

  /** Sends an encoded message (see encode()). */
  publish(message: string): Promise<void> {
    return this.transport.publish(message);
  }

  async subscribe(topic: string, listener: SignalListener): Promise<Unsubscribe> {
    // A wrapper per subscription: the same function subscribed twice is two subscriptions.
    const entry: SignalListener = (payload) => listener(payload);
    let set = this.#listeners.get(topic);
    if (!set) this.#listeners.set(topic, (set = new Set()));
    set.add(entry);
    let active = true;
    const remove = (): void => {
      if (!active) return;
      active = false;
      set.delete(entry);
      if (set.size === 0 && this.#listeners.get(topic) === set) this.#listeners.delete(topic);
    };
    try {
      await this.#sync();
    } catch (err) {
      remove();
      throw err;
    }
    return async () => {
      if (!active) return;
      remove();
      await this.#sync();
    };
  }

  /** Drops every listener and stops the transport. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    await this.#sync().catch((err: unknown) => this.logger.warn({ err }, 'could not stop listening for memory signals'));
  }

  /** Brings the transport in line with whether anybody listens; one change at a time. */
  #sync(): Promise<void> {
    const next = this.#op.catch(() => undefined).then(async () => {
      // Empty topics are deleted, so any entry means somebody listens.
      const wanted = this.#listeners.size > 0 && !this.#closed;
      if (wanted && !this.#running) {
        await this.transport.start((message) => this.#deliver(message));
        this.#running = true;
      } else if (!wanted && this.#running) {
        this.#running = false;
        await this.transport.stop();
      }
    });
    this.#op = next;
    return next;
  }

  #deliver(message: string): void {
    let topic: unknown;
    let payload: Json;
    try {
      ({ t: topic, p: payload } = JSON.parse(message) as { t: unknown; p: Json });
    } catch {
      this.logger.debug({ bytes: message.length }, 'ignored a signal that is not JSON');
      return;
    }
    const set = typeof topic === 'string' ? this.#listeners.get(topic) : undefined;
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload === undefined ? null : payload);
      } catch (err) {
        this.logger.warn({ err, topic }, 'a memory signal listener failed');
      }
    }
  }
}

/** The wire form of a signal: topic and payload (already redacted JSON text) in one JSON object. */
export function encodeSignal(topic: string, payloadJson: string): string {
  return `{"t":${JSON.stringify(topic)},"p":${payloadJson}}`;
}
