import type { ContentBlock, Message, ModelRequest, ModelResponse, StopReason } from './types.js';

/**
 * Mapping between firebreak's request and the Messages API body. Our blocks already are Anthropic's, so
 * the work here is prompt caching (where the cache_control breakpoints go) and normalising the reply.
 */

const EPHEMERAL = { type: 'ephemeral' } as const;

export interface CachePlan {
  /** Breakpoints on the system prompt and the last tool: the persona's fixed context, cached once. */
  fixed: boolean;
  /** A breakpoint on the last block of the last message: each turn reads the previous turns from cache. */
  conversation: boolean;
}

export interface WireRequest {
  model: string;
  max_tokens: number;
  system?: { type: 'text'; text: string; cache_control?: typeof EPHEMERAL }[];
  messages: WireMessage[];
  tools?: { name: string; description: string; input_schema: Record<string, unknown>; cache_control?: typeof EPHEMERAL }[];
}

type WireMessage = { role: 'user' | 'assistant'; content: Record<string, unknown>[] };

/** The Messages API body for `req`. Tools come before system in the cached prefix, so both get a breakpoint. */
export function toWireRequest(model: string, req: ModelRequest, cache: CachePlan): WireRequest {
  const body: WireRequest = { model, max_tokens: req.maxTokens, messages: req.messages.map(toWireMessage) };
  if (req.system.length > 0) {
    body.system = [{ type: 'text', text: req.system, ...(cache.fixed ? { cache_control: EPHEMERAL } : {}) }];
  }
  if (req.tools.length > 0) {
    const last = req.tools.length - 1;
    body.tools = req.tools.map((t, i) => ({
      name: t.name,
      description: t.description,
      input_schema: { type: 'object', ...t.inputSchema },
      ...(cache.fixed && i === last ? { cache_control: EPHEMERAL } : {}),
    }));
  }
  if (cache.conversation) {
    const lastMessage = body.messages.at(-1);
    const lastBlock = lastMessage?.content.at(-1);
    if (lastBlock) lastBlock['cache_control'] = EPHEMERAL;
  }
  return body;
}

function toWireMessage(message: Message): WireMessage {
  return { role: message.role, content: message.content.map(toWireBlock) };
}

function toWireBlock(block: ContentBlock): Record<string, unknown> {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'tool_use':
      // The API only accepts object inputs; a non-object came from another model's malformed call.
      return { type: 'tool_use', id: block.id, name: block.name, input: isObject(block.input) ? block.input : { invalid_arguments: String(block.input) } };
    case 'tool_result':
      return {
        type: 'tool_result',
        tool_use_id: block.tool_use_id,
        content: typeof block.content === 'string' ? block.content : block.content.map((b) => ({ type: 'text', text: b.text })),
        ...(block.is_error ? { is_error: true } : {}),
      };
  }
}

/** The parts of a Messages API reply firebreak reads. */
export interface WireReply {
  content: { type: string; [key: string]: unknown }[];
  stop_reason: string | null;
  usage: {
    input_tokens: number;
    output_tokens: number;
    cache_read_input_tokens?: number | null;
    cache_creation_input_tokens?: number | null;
  };
}

/** Normalises a reply: text and tool_use blocks kept (others, e.g. thinking, dropped), stop reason folded. */
export function fromWireReply(reply: WireReply): ModelResponse {
  const content: ContentBlock[] = [];
  for (const block of reply.content) {
    if (block.type === 'text' && typeof block['text'] === 'string') content.push({ type: 'text', text: block['text'] });
    else if (block.type === 'tool_use') content.push({ type: 'tool_use', id: String(block['id']), name: String(block['name']), input: block['input'] ?? {} });
  }
  return {
    content,
    stopReason: stopReasonOf(reply.stop_reason),
    usage: {
      inputTokens: reply.usage.input_tokens,
      outputTokens: reply.usage.output_tokens,
      cacheReadTokens: reply.usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: reply.usage.cache_creation_input_tokens ?? 0,
    },
  };
}

// stop_sequence, pause_turn and refusal all end the turn without a tool call; the persona loop handles that.
function stopReasonOf(reason: string | null): StopReason {
  if (reason === 'tool_use') return 'tool_use';
  if (reason === 'max_tokens' || reason === 'model_context_window_exceeded') return 'max_tokens';
  return 'end_turn';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
