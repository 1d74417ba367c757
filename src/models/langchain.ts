import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { abortReason } from '../primitives/abort.js';
import { fromLangChainReply, toLangChainMessages } from './langchain-messages.js';
import type { ChatModel, ModelRequest, ModelResponse } from './types.js';

export interface LangChainModelOptions {
  /** Default `langchain:<the model's _llmType()>`. */
  id?: string;
}

/**
 * Any LangChain chat model with tool calling (ChatAnthropic, ChatOpenAI, ChatBedrockConverse, ChatOllama, …).
 *
 * When to use: your organisation standardised on LangChain model wrappers, or you need a provider firebreak
 * has no adapter for.
 * What it does: binds the offered tools as `{ name, description, schema }` with a JSON Schema (LangChain's
StructuredToolParams, which every provider and LangChain's own fakes convert to their wire format),
 * maps the conversation to LangChain messages and the reply back to content blocks, including
 * invalid tool calls (their raw arguments reach the persona loop as a string) and usage_metadata.
 * Gotchas: `maxTokens` cannot be set per call through LangChain's generic interface — configure it on the
 * model you pass in. Retries are the wrapped model's own (LangChain's `maxRetries`).
 *
 * @example
 * const model = langchainModel(new ChatAnthropic({ model: 'claude-sonnet-5-5' }));
 */
export function langchainModel(chatModel: BaseChatModel, opts: LangChainModelOptions = {}): ChatModel {
  if (!chatModel || typeof chatModel.invoke !== 'function') throw new TypeError('langchainModel(chatModel): expected a LangChain chat model');
  if (typeof chatModel.bindTools !== 'function') {
    throw new TypeError(`langchainModel(chatModel): ${chatModel.constructor.name} does not support tool calling (no bindTools)`);
  }
  const bindTools = chatModel.bindTools.bind(chatModel);
  return {
    id: opts.id ?? `langchain:${chatModel._llmType()}`,
    label: `LangChain ${chatModel._llmType()}`,
    async generate(req: ModelRequest, signal?: AbortSignal): Promise<ModelResponse> {
      if (signal?.aborted) throw abortReason(signal);
      const runnable = req.tools.length > 0
        ? bindTools(req.tools.map((t) => ({ name: t.name, description: t.description, schema: { type: 'object', ...t.inputSchema } })))
        : chatModel;
      try {
        const reply = await runnable.invoke(toLangChainMessages(req.system, req.messages), signal ? { signal } : {});
        return fromLangChainReply(reply as Parameters<typeof fromLangChainReply>[0], req.messages.length);
      } catch (err) {
        // LangChain wraps aborts in its own error; report the caller's reason so cancellation stays recognisable.
        if (signal?.aborted) throw abortReason(signal);
        throw err;
      }
    },
  };
}
