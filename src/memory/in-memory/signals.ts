import type { SignalTransport } from '../backend.js';

/**
 * Signals of the `memory:` backend: within one store, like its data (two `memory:` stores share nothing).
 * Delivery is deferred to a microtask so a publisher never runs its subscribers inside its own call stack,
 * as with the backends that go through a server.
 */
export class InMemorySignals implements SignalTransport {
  #deliver: ((message: string) => void) | undefined;

  async start(deliver: (message: string) => void): Promise<void> {
    this.#deliver = deliver;
  }

  async stop(): Promise<void> {
    this.#deliver = undefined;
  }

  async publish(message: string): Promise<void> {
    queueMicrotask(() => this.#deliver?.(message));
  }
}
