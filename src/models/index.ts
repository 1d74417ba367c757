export type {
  ChatModel,
  ContentBlock,
  Message,
  ModelRequest,
  ModelResponse,
  ModelToolSpec,
  StopReason,
  TextBlock,
  ToolResultBlock,
  ToolUseBlock,
  Usage,
} from './types.js';
export { anthropicModel, type AnthropicModelOptions } from './anthropic.js';
export { langchainModel, type LangChainModelOptions } from './langchain.js';
export { scriptedModel, type ScriptedModel, type ScriptedReply, type ScriptFunction, type ScriptedModelOptions } from './scripted.js';
export { playbookModel, PLAYBOOK_LABEL, playbookSchema, type Playbook, type PlaybookInput, type PlaybookRule, type Condition } from './playbook/index.js';
export { compileExpression, ExpressionError, type Expression } from './playbook/expr.js';
export { recordModel, type RecordOptions } from './record.js';
export { replayModel, type ReplayOptions } from './replay.js';
export { readCassette, type Cassette, type CassetteExchange } from './cassette.js';
export { toWireName, isWireName, ToolNameMap, ToolNameCollisionError } from './tool-names.js';
export { FINAL_ANSWER_TOOL, renderHandoff, parseHandoff } from './protocol.js';
export { estimateTokens, estimateBlockTokens, totalTokens, addUsage, CHARS_PER_TOKEN } from './usage.js';
export { ModelApiError, ScriptExhaustedError, ReplayMismatchError, ReplayedModelError, CassetteError, EscalationError } from './errors.js';
