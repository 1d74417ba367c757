import type { Context } from '../primitives/types.js';

/**
 * The one message format of firebreak: Anthropic's content blocks. Every adapter (Anthropic, LangChain,
 * scripted, playbook, replay) speaks it, so a persona, a cassette or a test never depends on a vendor.
 */

export interface TextBlock {
  type: 'text';
  text: string;
}

export interface ToolUseBlock {
  type: 'tool_use';
  /** Unique within the conversation; the matching tool_result carries it as tool_use_id. */
  id: string;
  /** The wire name of the tool (see tool-names.ts: `server.tool` is offered as `server__tool`). */
  name: string;
  /**
   * The arguments. A JSON object from well-behaved models; a string holds arguments that were not valid
   * JSON (LangChain's invalid_tool_calls) so the persona loop can hand the parse error back to the model.
   */
  input: unknown;
}

export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: string | TextBlock[];
  is_error?: boolean;
}

export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export interface Message {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

/** What a model is told about a tool: Anthropic's shape (name must match ^[a-zA-Z0-9_-]{1,64}$). */
export interface ModelToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the arguments; always an object schema. */
  inputSchema: Record<string, unknown>;
}

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ModelToolSpec[];
  maxTokens: number;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens';

export interface Usage {
  /** Input tokens not served from or written to the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the prompt cache (billed at a fraction of the input price). */
  cacheReadTokens?: number;
  /** Input tokens written to the prompt cache by this request. */
  cacheWriteTokens?: number;
}

export interface ModelResponse {
  content: ContentBlock[];
  stopReason: StopReason;
  usage: Usage;
}

/**
 * A chat model with tool use. Implementations must honour `signal` (abort the HTTP request, stop waiting)
 * and should use `ctx`, when given, to put their own retries into the calling run's timeline.
 */
export interface ChatModel {
  /** Stable identifier, e.g. `anthropic:claude-sonnet-5-5` or `playbook:observability`. */
  readonly id: string;
  /** Human-readable label for reports, e.g. `playbook (no LLM)`. */
  readonly label?: string;
  generate(req: ModelRequest, signal?: AbortSignal, ctx?: Context): Promise<ModelResponse>;
}
