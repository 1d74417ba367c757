import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Logger } from 'pino';
import { redactText } from '../../security/redact.js';
import { ServerStartError, ServerUnavailableError } from './errors.js';
import type { HostEvents, ServerState } from './events.js';
import { openClient, type OpenedClient } from './open-client.js';
import type { ResolvedServer } from './server-entry.js';
import { listServerTools, type HostedTool } from './tool-list.js';

export type { HostedTool } from './tool-list.js';

export interface ServerStatus {
  name: string;
  transport: ResolvedServer['kind'];
  state: ServerState;
  /** Why the server is not connected (redacted; includes the tail of a stdio server's stderr). */
  error?: string;
  tools: number;
  /** Successful connections after the first. */
  reconnects: number;
  /** When the host will next try to connect a failed server (0 = on the next call). */
  nextAttemptInMs?: number;
}

export interface ConnectionDeps {
  startupTimeoutMs: number;
  /** Delay before reconnect attempt number `failures + 1`. */
  backoff: (failures: number) => number;
  logger: Logger;
  events: HostEvents;
  secrets: readonly string[];
  onToolsChanged: () => void;
}

/**
 * One configured server: its client, its cached tool list and its connection state. A server that exits or
 * drops its connection is reconnected on the next call (never in the background, so an idle workflow costs
 * nothing), with backoff between failed attempts; concurrent callers share one attempt.
 */
export class ServerConnection {
  #state: ServerState = 'connecting';
  #error: string | undefined;
  #opened: OpenedClient | undefined;
  #pending: Promise<Client> | undefined;
  #failures = 0;
  #nextAttemptAt = 0;
  #connections = 0;
  #generation = 0;
  #tools: ReadonlyMap<string, HostedTool> = new Map();
  #refresh: { running: boolean; again: boolean } = { running: false, again: false };

  constructor(
    readonly name: string,
    readonly server: ResolvedServer,
    private readonly deps: ConnectionDeps,
  ) {}

  get state(): ServerState {
    return this.#state;
  }

  get tools(): ReadonlyMap<string, HostedTool> {
    return this.#tools;
  }

  status(): ServerStatus {
    const status: ServerStatus = {
      name: this.name,
      transport: this.server.kind,
      state: this.#state,
      tools: this.#tools.size,
      reconnects: Math.max(0, this.#connections - 1),
    };
    if (this.#error !== undefined) status.error = this.#error;
    if (this.#state === 'failed') status.nextAttemptInMs = Math.max(0, this.#nextAttemptAt - Date.now());
    return status;
  }

  /** The first connection attempt. Never throws: a server that fails to start is reported, not fatal. */
  async start(): Promise<void> {
    await this.client().catch(() => undefined);
  }

  /** The client when connected right now (the hot path: no promise, no listener). */
  get live(): Client | undefined {
    return this.#state === 'connected' ? this.#opened?.client : undefined;
  }

  /**
   * A live client, connecting or reconnecting first when needed.
   * Throws ServerUnavailableError while backing off after a failed attempt, or when the attempt fails.
   */
  client(): Promise<Client> {
    if (this.#state === 'connected' && this.#opened) return Promise.resolve(this.#opened.client);
    if (this.#state === 'closed') return Promise.reject(new ServerUnavailableError(this.name, 'the tool host is closed'));
    if (this.#pending) return this.#pending;
    const wait = this.#nextAttemptAt - Date.now();
    if (wait > 0) return Promise.reject(new ServerUnavailableError(this.name, this.#error ?? 'not connected', wait));
    this.#pending = this.#connect().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** A call failed in a way that means the connection is gone (socket error, session lost): drop it. */
  markBroken(reason: string): void {
    if (this.#state !== 'connected') return;
    this.#lost(reason);
  }

  async close(): Promise<void> {
    this.#generation++;
    this.#setState('closed');
    const opened = this.#opened;
    this.#opened = undefined;
    await opened?.close();
  }

  async #connect(): Promise<Client> {
    const generation = ++this.#generation;
    if (this.#connections > 0) this.#setState('reconnecting');
    let opened: OpenedClient | undefined;
    try {
      opened = await openClient(this.server, {
        timeoutMs: this.deps.startupTimeoutMs,
        onClose: () => {
          if (generation === this.#generation && this.#state === 'connected') this.#lost('the connection closed');
        },
        onToolsChanged: () => {
          if (generation === this.#generation) void this.#refreshTools(generation);
        },
        onStderr: (chunk) => this.deps.logger.debug({ server: this.name, stderr: redactText(chunk.trimEnd(), { secrets: this.deps.secrets }) }, 'mcp server stderr'),
      });
      const tools = await this.#listTools(opened.client);
      if (generation !== this.#generation) throw new Error('the tool host was closed while connecting');
      this.#opened = opened;
      this.#setTools(tools);
      this.#failures = 0;
      this.#nextAttemptAt = 0;
      this.#error = undefined;
      this.#connections++;
      this.#setState('connected');
      this.deps.logger.info({ server: this.name, tools: tools.size, reconnects: this.#connections - 1 }, 'mcp server connected');
      return opened.client;
    } catch (err) {
      await opened?.close();
      if (generation !== this.#generation) throw new ServerUnavailableError(this.name, 'the tool host is closed');
      this.#failures++;
      const delay = this.deps.backoff(this.#failures);
      this.#nextAttemptAt = Date.now() + delay;
      this.#error = this.#describe(err, opened);
      this.#setState('failed');
      this.deps.logger.warn({ server: this.name, err: this.#error, retryInMs: delay }, 'mcp server failed to connect; its tools are unavailable');
      throw new ServerUnavailableError(this.name, this.#error, delay);
    }
  }

  #lost(reason: string): void {
    const opened = this.#opened;
    this.#opened = undefined;
    this.#generation++;
    const detail = opened?.stderr?.text();
    this.#error = redactText(detail ? `${reason}; stderr: ${lastLine(detail)}` : reason, { secrets: this.deps.secrets });
    this.#setState('reconnecting');
    this.deps.logger.warn({ server: this.name, err: this.#error }, 'mcp server connection lost; reconnecting on the next call');
    void opened?.close();
  }

  #listTools(client: Client): Promise<Map<string, HostedTool>> {
    return listServerTools(client, this.name, this.deps.startupTimeoutMs);
  }

  /** Handles notifications/tools/list_changed; a burst of notifications costs at most two refreshes. */
  async #refreshTools(generation: number): Promise<void> {
    if (this.#refresh.running) {
      this.#refresh.again = true;
      return;
    }
    this.#refresh.running = true;
    try {
      do {
        this.#refresh.again = false;
        const client = this.#opened?.client;
        if (!client || generation !== this.#generation) return;
        const tools = await this.#listTools(client);
        if (generation !== this.#generation) return;
        this.#setTools(tools);
        this.deps.logger.info({ server: this.name, tools: tools.size }, 'mcp server tool list changed');
      } while (this.#refresh.again);
    } catch (err) {
      this.deps.logger.warn({ server: this.name, err: errorMessage(err) }, 'refreshing the tool list failed; keeping the previous list');
    } finally {
      this.#refresh.running = false;
    }
  }

  #setTools(tools: Map<string, HostedTool>): void {
    this.#tools = tools;
    this.deps.onToolsChanged();
    if (this.deps.events.active) this.deps.events.publish({ type: 'server.tools', at: Date.now(), server: this.name, tools: tools.size });
  }

  #setState(state: ServerState): void {
    if (this.#state === state) return;
    this.#state = state;
    if (!this.deps.events.active) return;
    const event: Parameters<HostEvents['publish']>[0] = { type: 'server.state', at: Date.now(), server: this.name, state };
    if (this.#error !== undefined && state !== 'connected') event.error = this.#error;
    this.deps.events.publish(event);
  }

  #describe(err: unknown, opened: OpenedClient | undefined): string {
    let message = errorMessage(err);
    let stderr = opened?.stderr?.text();
    if (err instanceof ServerStartError) {
      if (err.code === 'ENOENT' && this.server.kind === 'stdio') message = `command not found: '${this.server.command}'`;
      stderr ||= err.stderr;
    }
    if (stderr) message += `; stderr: ${lastLine(stderr)}`;
    return redactText(message, { secrets: this.deps.secrets });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-3).join(' | ');
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
