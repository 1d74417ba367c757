import type { StepEvent } from '../../primitives/types.js';

/** A server's connection state as `status()` reports it. */
export type ServerState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

/**
 * How a call ended. `ok` and `tool-error` mean the server answered; every other outcome is the host's
 * verdict, delivered to the persona as an `isError` result (except `cancelled`, which rejects).
 */
export type CallOutcome =
  | 'ok'
  | 'tool-error'
  | 'protocol-error'
  | 'timeout'
  | 'breaker-open'
  | 'rejected'
  | 'unavailable'
  | 'unknown-tool'
  | 'cancelled';

/** The payload of every `tool.call` event, in the host's stream and (as a custom event) in the run's timeline. */
export interface ToolCallRecord {
  server: string;
  tool: string;
  durationMs: number;
  outcome: CallOutcome;
  /** UTF-8 bytes of the result delivered to the caller (after redaction and truncation). */
  bytes: number;
  truncated: boolean;
}

export type ToolHostEvent =
  | { type: 'server.state'; at: number; server: string; state: ServerState; error?: string }
  | { type: 'server.tools'; at: number; server: string; tools: number }
  | ({ type: 'tool.call'; at: number } & ToolCallRecord)
  /** Retry and breaker events of calls made without a caller ctx (with a ctx they go to the caller's run). */
  | { type: 'step'; at: number; event: StepEvent };

export type ToolHostListener = (event: ToolHostEvent) => void;

/** A tiny listener set; a throwing listener is isolated so observability can never fail a tool call. */
export class HostEvents {
  readonly #listeners = new Set<ToolHostListener>();

  get active(): boolean {
    return this.#listeners.size > 0;
  }

  subscribe(listener: ToolHostListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: ToolHostEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // Deliberately swallowed: a broken listener must not change a tool call's outcome.
      }
    }
  }
}
