import { createHash } from 'node:crypto';

/**
 * firebreak names tools `server.tool`; Anthropic (and most providers) only accept ^[a-zA-Z0-9_-]{1,64}$.
 * The mapping is deterministic so that playbooks and test scripts can name tools either way, and it is made
 * reversible by a table built from the offered tools, so no information has to survive the round trip.
 */

const WIRE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** `grafana.query_prometheus` -> `grafana__query_prometheus`; other invalid characters become `_`. */
export function toWireName(name: string): string {
  const mapped = name.replace(/\./g, '__').replace(/[^a-zA-Z0-9_-]/g, '_');
  if (mapped.length > 0 && mapped.length <= 64 && mapped === name.replace(/\./g, '__')) return mapped;
  // Lossy: keep a readable prefix and add a hash of the original so distinct names stay distinct.
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${mapped.slice(0, 55) || 'tool'}_${hash}`;
}

/** True when `name` can be sent to a provider as is. */
export function isWireName(name: string): boolean {
  return WIRE_NAME.test(name);
}

/** Thrown when two offered tools would share a wire name (e.g. `a.b__c` and `a__b.c`). */
export class ToolNameCollisionError extends Error {
  override readonly name = 'ToolNameCollisionError';
  constructor(readonly wire: string, readonly first: string, readonly second: string) {
    super(`tools '${first}' and '${second}' both map to the wire name '${wire}'; rename one of them`);
  }
}

/** The two-way table for one conversation: built from the offered tool names, consulted for every call. */
export class ToolNameMap {
  readonly #toWire = new Map<string, string>();
  readonly #fromWire = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.add(name);
  }

  add(name: string): string {
    const existing = this.#toWire.get(name);
    if (existing !== undefined) return existing;
    const wire = toWireName(name);
    const clash = this.#fromWire.get(wire);
    if (clash !== undefined) throw new ToolNameCollisionError(wire, clash, name);
    this.#toWire.set(name, wire);
    this.#fromWire.set(wire, name);
    return wire;
  }

  wire(name: string): string | undefined {
    return this.#toWire.get(name);
  }

  /** The qualified name for a wire name, or undefined when the model invented a tool. */
  qualified(wire: string): string | undefined {
    return this.#fromWire.get(wire);
  }
}
