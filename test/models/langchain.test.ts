import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import type { BindToolsInput } from '@langchain/core/language_models/chat_models';
import { AIMessage, AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import { FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { langchainModel } from '../../src/models/index.js';
import { persona } from '../../src/personas/index.js';
import { run } from '../../src/primitives/index.js';
import { assessment, incident } from '../personas/helpers/fixtures.js';
import { startTestTools, type TestTools } from '../personas/helpers/mcp-toolset.js';

interface CallOptions extends BaseChatModelCallOptions {
  tools?: BindToolsInput[];
}

/** A LangChain chat model (a real BaseChatModel subclass) that replies from a list and records its inputs. */
class ListToolModel extends BaseChatModel<CallOptions> {
  readonly seen: { messages: BaseMessage[]; tools: BindToolsInput[] | undefined }[] = [];
  constructor(private readonly replies: AIMessage[]) {
    super({});
  }
  _llmType(): string {
    return 'list-tool-model';
  }
  override bindTools(tools: BindToolsInput[]) {
    return this.withConfig({ tools } as Partial<CallOptions>);
  }
  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    this.seen.push({ messages, tools: options.tools });
    const message = this.replies[this.seen.length - 1];
    if (!message) throw new Error('no more replies');
    return { generations: [{ text: typeof message.content === 'string' ? message.content : '', message }] };
  }
}

let tools: TestTools;
beforeAll(async () => {
  tools = await startTestTools();
});
afterAll(async () => {
  await tools.close();
});
const budget = { tokens: 100_000, turns: 5, toolCalls: 5 };

describe('langchainModel', () => {
  it('maps tools, tool calls, tool results and usage both ways', async () => {
    const chat = new ListToolModel([
      new AIMessage({
        content: 'Looking at errors.',
        tool_calls: [{ id: 'call_1', name: 'grafana__query_prometheus', args: { expr: 'sum(rate(http_requests_total{status="500"}[5m]))' }, type: 'tool_call' }],
        usage_metadata: { input_tokens: 900, output_tokens: 40, total_tokens: 940, input_token_details: { cache_read: 600, cache_creation: 100 } },
      }),
      new AIMessage({ content: '', tool_calls: [{ id: 'call_2', name: 'final_answer', args: { severity: 'p1', summary: 'pool', errorRate: 0.15 }, type: 'tool_call' }] }),
    ]);
    const p = persona({ name: 'observability', description: 'd', instructions: 'i', tools: ['grafana.query_*'], budget, output: assessment, model: langchainModel(chat), toolset: tools.toolset });
    const events: { name: string; data: Record<string, unknown> }[] = [];
    await expect(run(p, { incident }, { onEvent: (e) => e.type === 'custom' && events.push(e) })).resolves.toEqual({ severity: 'p1', summary: 'pool', errorRate: 0.15 });

    const bound = chat.seen[0]!.tools as { name: string; description: string; schema: Record<string, unknown> }[];
    expect(bound.map((t) => t.name)).toEqual(['grafana__query_prometheus', 'grafana__query_loki_logs', 'final_answer']);
    expect(bound[0]!.schema).toMatchObject({ type: 'object', required: ['expr'] });
    const second = chat.seen[1]!.messages;
    expect(second.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'tool']);
    expect((second[2] as AIMessage).tool_calls?.[0]).toMatchObject({ id: 'call_1', name: 'grafana__query_prometheus' });
    expect(second[3]).toMatchObject({ tool_call_id: 'call_1', status: 'success' });
    expect(String(second[3]!.content)).toContain('0.15');
    const turn1 = events.find((e) => e.name === 'persona.turn')!.data;
    expect(turn1['usage']).toEqual({ inputTokens: 200, outputTokens: 40, cacheReadTokens: 600, cacheWriteTokens: 100 });
  });

  it('returns invalid tool-call JSON to the model as an error result', async () => {
    const chat = new ListToolModel([
      new AIMessage({ content: '', invalid_tool_calls: [{ id: 'bad_1', name: 'grafana__query_prometheus', args: '{"expr": "up"', error: 'Unexpected end of JSON input', type: 'invalid_tool_call' }] }),
      new AIMessage({ content: '', tool_calls: [{ id: 'ok_2', name: 'final_answer', args: { severity: 'p3', summary: 'n/a', errorRate: 0 }, type: 'tool_call' }] }),
    ]);
    const model = langchainModel(chat);
    const p = persona({ name: 'observability', description: 'd', instructions: 'i', tools: ['grafana.query_*'], budget, output: assessment, model, toolset: tools.toolset });
    await expect(run(p, { incident })).resolves.toMatchObject({ severity: 'p3' });
    const toolMessage = chat.seen[1]!.messages.at(-1)!;
    expect(toolMessage).toMatchObject({ tool_call_id: 'bad_1', status: 'error' });
    expect(String(toolMessage.content)).toMatch(/must be a JSON object.*invalid JSON/);
    // The malformed call is sent back as an invalid tool call, not silently repaired.
    expect((chat.seen[1]!.messages[2] as AIMessage).invalid_tool_calls?.[0]).toMatchObject({ id: 'bad_1', args: '{"expr": "up"' });
  });

  it("works with LangChain's own FakeStreamingChatModel (bindTools converting our tool specs)", async () => {
    // This fake answers every call with the tool calls of its first chunk: a one-turn persona.
    const chat = new FakeStreamingChatModel({
      chunks: [new AIMessageChunk({ content: '', tool_calls: [{ id: 'c1', name: 'final_answer', args: { severity: 'p2', summary: 'db timeouts in logs', errorRate: 0.1 }, type: 'tool_call' }] })],
    });
    const model = langchainModel(chat);
    expect(model.id).toBe('langchain:fake');
    const p = persona({ name: 'observability', description: 'd', instructions: 'i', tools: ['grafana.query_*'], budget, output: assessment, model, toolset: tools.toolset });
    await expect(run(p, { incident })).resolves.toEqual({ severity: 'p2', summary: 'db timeouts in logs', errorRate: 0.1 });
  });

  it('refuses a model without tool calling', () => {
    const noTools = { invoke: async () => new AIMessage('x'), _llmType: () => 'plain', constructor: { name: 'Plain' } };
    expect(() => langchainModel(noTools as never)).toThrow(/does not support tool calling/);
  });
});

