import { createHash } from 'node:crypto';
import { estimateTokens } from '../models/usage.js';

/**
 * A model of Anthropic's prompt cache, good enough to test that a client places breakpoints so that its
 * fixed context is written once and read afterwards. The cached prefix runs tools -> system -> messages; a
 * breakpoint (cache_control) caches everything up to and including its block. A later request whose prefix
 * up to one of its breakpoints was cached reads those tokens; the rest up to its last breakpoint is written.
 */
export class PromptCacheModel {
  readonly #entries = new Set<string>();

  constructor(private readonly minCacheableTokens: number) {}

  /** Usage split for one request body: { input, cacheRead, cacheWrite } in estimated tokens. */
  account(body: Record<string, unknown>): { input: number; cacheRead: number; cacheWrite: number } {
    const segments = prefixSegments(body);
    const hash = createHash('sha256');
    let tokens = 0;
    const prefixes: { key: string; tokens: number; breakpoint: boolean }[] = [];
    for (const segment of segments) {
      const { cache_control: marked, ...rest } = segment;
      const serialized = JSON.stringify(rest);
      hash.update(serialized);
      tokens += estimateTokens(serialized);
      prefixes.push({ key: hash.copy().digest('hex'), tokens, breakpoint: marked !== undefined });
    }
    const lastBreakpoint = prefixes.findLastIndex((p) => p.breakpoint);
    // Like the API, a hit is looked up at every block position up to the last breakpoint (within 20 blocks),
    // so last turn's breakpoint is found even though this request moved the breakpoint forward.
    let read = 0;
    for (let i = Math.max(0, lastBreakpoint - LOOKBACK_BLOCKS); i <= lastBreakpoint; i++) {
      const p = prefixes[i]!;
      if (this.#entries.has(p.key) && p.tokens > read) read = p.tokens;
    }
    let write = 0;
    const last = prefixes[lastBreakpoint];
    if (last && last.tokens > read && last.tokens >= this.minCacheableTokens) write = last.tokens - read;
    for (const p of prefixes) if (p.breakpoint && p.tokens >= this.minCacheableTokens) this.#entries.add(p.key);
    return { input: tokens - read - write, cacheRead: read, cacheWrite: write };
  }
}

const LOOKBACK_BLOCKS = 20;

function prefixSegments(body: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const tools = body['tools'];
  if (Array.isArray(tools)) out.push(...(tools as Record<string, unknown>[]));
  const system = body['system'];
  if (typeof system === 'string') out.push({ type: 'text', text: system });
  else if (Array.isArray(system)) out.push(...(system as Record<string, unknown>[]));
  const messages = body['messages'];
  if (Array.isArray(messages)) {
    for (const m of messages as { role: string; content: unknown }[]) {
      const content = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content as Record<string, unknown>[]);
      content.forEach((block, i) => out.push(i === 0 ? { ...block, role: m.role } : block));
    }
  }
  return out;
}
