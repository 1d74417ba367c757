import type { Redis } from 'ioredis';
import type { SignalTransport } from '../backend.js';

/** The pub/sub channel of a key prefix. */
export function signalChannel(prefix: string): string {
  return `${prefix}signals`;
}

/**
 * Signals over Redis pub/sub. A connection in subscriber mode can run no other command, so listening uses a
 * duplicate of the store's connection, opened on start and closed on stop; ioredis re-subscribes it by itself
 * after a reconnect. Publishing goes through the store's own connection.
 */
export class RedisSignals implements SignalTransport {
  readonly channel: string;
  #subscriber: Redis | undefined;
  #deliver: ((message: string) => void) | undefined;

  constructor(private readonly client: Redis, prefix: string) {
    this.channel = signalChannel(prefix);
  }

  async start(deliver: (message: string) => void): Promise<void> {
    const sub = this.client.duplicate({ lazyConnect: true, enableAutoPipelining: false });
    // Errors surface as a failed subscribe below, or are retried by ioredis: never an unhandled event.
    sub.on('error', () => undefined);
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel && this.#subscriber === sub) this.#deliver?.(message);
    });
    this.#subscriber = sub;
    this.#deliver = deliver;
    try {
      await sub.connect();
      await sub.subscribe(this.channel);
    } catch (err) {
      this.#subscriber = undefined;
      this.#deliver = undefined;
      sub.disconnect();
      throw err;
    }
  }

  async stop(): Promise<void> {
    const sub = this.#subscriber;
    this.#subscriber = undefined;
    this.#deliver = undefined;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  async publish(message: string): Promise<void> {
    await this.client.publish(this.channel, message);
  }
}
