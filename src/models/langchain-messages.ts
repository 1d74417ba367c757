import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { toolResultText } from './protocol.js';
import type { ContentBlock, Message, ModelResponse, StopReason, TextBlock, Usage } from './types.js';
import { estimateBlockTokens } from './usage.js';

/**
 * Both directions between Anthropic content blocks and LangChain messages. LangChain (like OpenAI) wants
 * each tool result as its own ToolMessage right after the AI message that asked for it, so a user turn with
 * tool_result blocks becomes ToolMessages first, then a HumanMessage for any text that follows.
 */
export function toLangChainMessages(system: string, messages: readonly Message[]): BaseMessage[] {
  const out: BaseMessage[] = [];
  if (system.length > 0) out.push(new SystemMessage(system));
  for (const message of messages) {
    if (message.role === 'assistant') {
      out.push(toAIMessage(message.content));
      continue;
    }
    for (const block of message.content) {
      if (block.type === 'tool_result') {
        out.push(new ToolMessage({ content: toolResultText(block.content), tool_call_id: block.tool_use_id, status: block.is_error ? 'error' : 'success' }));
      }
    }
    const texts = message.content.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text);
    if (texts.length > 0) out.push(new HumanMessage(texts.join('\n\n')));
  }
  return out;
}

function toAIMessage(blocks: readonly ContentBlock[]): AIMessage {
  const text = blocks.filter((b): b is TextBlock => b.type === 'text').map((b) => b.text).join('\n');
  const toolCalls: { id: string; name: string; args: Record<string, unknown>; type: 'tool_call' }[] = [];
  const invalid: { id: string; name: string; args: string; error: string; type: 'invalid_tool_call' }[] = [];
  for (const b of blocks) {
    if (b.type !== 'tool_use') continue;
    if (typeof b.input === 'object' && b.input !== null && !Array.isArray(b.input)) {
      toolCalls.push({ id: b.id, name: b.name, args: b.input as Record<string, unknown>, type: 'tool_call' });
    } else {
      invalid.push({ id: b.id, name: b.name, args: String(b.input), error: 'arguments are not a JSON object', type: 'invalid_tool_call' });
    }
  }
  return new AIMessage({ content: text, tool_calls: toolCalls, invalid_tool_calls: invalid });
}

interface LangChainReply {
  content: unknown;
  tool_calls?: { id?: string; name: string; args: Record<string, unknown> }[];
  invalid_tool_calls?: { id?: string; name?: string; args?: string; error?: string }[];
  usage_metadata?: { input_tokens: number; output_tokens: number; input_token_details?: { cache_read?: number; cache_creation?: number } };
  response_metadata?: Record<string, unknown>;
}

/**
 * A LangChain AI message as a ModelResponse. Calls without an id get a deterministic one (`call_<turn>_<i>`)
 * so that recordings replay. Invalid tool calls keep their raw argument string as `input`, so the persona
 * loop can return the parse error to the model instead of failing.
 */
export function fromLangChainReply(reply: LangChainReply, turn: number): ModelResponse {
  const content: ContentBlock[] = [];
  const text = textOf(reply.content);
  if (text.length > 0) content.push({ type: 'text', text });
  let n = 0;
  for (const call of reply.tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id || `call_${turn}_${n}`, name: call.name, input: call.args ?? {} });
    n++;
  }
  for (const call of reply.invalid_tool_calls ?? []) {
    content.push({ type: 'tool_use', id: call.id || `call_${turn}_${n}`, name: call.name ?? 'unknown', input: call.args ?? '' });
    n++;
  }
  const usage: Usage = reply.usage_metadata
    ? {
        inputTokens: reply.usage_metadata.input_tokens - (reply.usage_metadata.input_token_details?.cache_read ?? 0) - (reply.usage_metadata.input_token_details?.cache_creation ?? 0),
        outputTokens: reply.usage_metadata.output_tokens,
        cacheReadTokens: reply.usage_metadata.input_token_details?.cache_read ?? 0,
        cacheWriteTokens: reply.usage_metadata.input_token_details?.cache_creation ?? 0,
      }
    : { inputTokens: 0, outputTokens: estimateBlockTokens(content) };
  return { content, stopReason: stopReasonOf(reply, n > 0), usage };
}

function stopReasonOf(reply: LangChainReply, hasCalls: boolean): StopReason {
  if (hasCalls) return 'tool_use';
  const meta = reply.response_metadata ?? {};
  const reason = meta['finish_reason'] ?? meta['stop_reason'];
  return reason === 'length' || reason === 'max_tokens' ? 'max_tokens' : 'end_turn';
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (typeof part === 'string' ? part : part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' ? String((part as { text?: unknown }).text ?? '') : ''))
    .join('');
}
