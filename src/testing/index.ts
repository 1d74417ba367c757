// Test helpers for firebreak users: import from 'firebreak/testing'.
export { scriptedModel, type ScriptedModel, type ScriptedReply, type ScriptFunction, type ScriptedModelOptions } from '../models/scripted.js';
export { text, toolUse } from '../models/protocol.js';
export {
  anthropicWireServer,
  rateLimited,
  overloaded,
  type AnthropicWireServer,
  type WireScriptItem,
  type WireServerOptions,
  type RecordedWireRequest,
} from './anthropic-wire-server.js';
