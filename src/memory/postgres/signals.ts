import { createHash } from 'node:crypto';
import pg from 'pg';
import type { SignalTransport } from '../backend.js';

/** A listener connection that dropped is re-opened after this long (doubling up to RETRY_MAX_MS). */
const RETRY_MS = 250;
const RETRY_MAX_MS = 5000;

/** The NOTIFY channel of a table prefix: an identifier under PostgreSQL's 63 bytes, whatever the prefix. */
export function signalChannel(prefix: string): string {
  return `firebreak_signals_${createHash('sha256').update(prefix).digest('hex').slice(0, 16)}`;
}

/**
 * Signals over PostgreSQL's LISTEN/NOTIFY. Publishing is `pg_notify` on the pool (delivered at commit, to
 * every session listening on the channel in that database); listening needs a session of its own for as long
 * as it listens, so it is a dedicated client, never a pooled one. A dropped listener connection is re-opened
 * with backoff; signals sent while it was down are missed (the caller's polling fallback covers that).
 */
export class PostgresSignals implements SignalTransport {
  readonly channel: string;
  #client: pg.Client | undefined;
  #deliver: ((message: string) => void) | undefined;
  #retry: NodeJS.Timeout | undefined;
  #delay = RETRY_MS;

  constructor(private readonly pool: pg.Pool, private readonly connectionString: string, prefix: string) {
    this.channel = signalChannel(prefix);
  }

  async start(deliver: (message: string) => void): Promise<void> {
    this.#deliver = deliver;
    try {
      await this.#listen();
    } catch (err) {
      this.#deliver = undefined;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.#deliver = undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async publish(message: string): Promise<void> {
    await this.pool.query('SELECT pg_notify($1, $2)', [this.channel, message]);
  }

  async #listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5000 });
    // A dead connection must not crash the process: it is replaced (see #lost).
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (n) => {
      if (n.channel === this.channel && n.payload !== undefined && this.#client === client) this.#deliver?.(n.payload);
    });
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
      this.#delay = RETRY_MS;
    } catch (err) {
      if (this.#client === client) this.#client = undefined;
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  #lost(client: pg.Client): void {
    if (this.#client !== client || !this.#deliver) return;
    this.#client = undefined;
    void client.end().catch(() => undefined);
    this.#reconnect();
  }

  #reconnect(): void {
    if (!this.#deliver || this.#retry) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      if (!this.#deliver) return;
      this.#listen().catch(() => {
        this.#delay = Math.min(this.#delay * 2, RETRY_MAX_MS);
        this.#reconnect();
      });
    }, this.#delay);
  }
}
