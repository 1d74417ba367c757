import { afterEach, describe, expect, it } from 'vitest';
import { anthropicModel, ModelApiError } from '../../src/models/index.js';
import type { ModelRequest, ModelToolSpec } from '../../src/models/types.js';
import { persona } from '../../src/personas/index.js';
import { InvalidOptionsError, run, type StepEvent } from '../../src/primitives/index.js';
import { anthropicWireServer, overloaded, rateLimited, type AnthropicWireServer, type WireScriptItem } from '../../src/testing/index.js';
import { z } from 'zod';
import { assessment, incident, quiet } from '../personas/helpers/fixtures.js';
import { startTestTools } from '../personas/helpers/mcp-toolset.js';

const servers: AnthropicWireServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(replies: WireScriptItem[] | ((body: Record<string, unknown>, i: number) => WireScriptItem), minCacheableTokens = 0) {
  const server = await anthropicWireServer({ replies, minCacheableTokens });
  servers.push(server);
  return server;
}

const tools: ModelToolSpec[] = [
  { name: 'grafana__query_prometheus', description: 'Run a PromQL query', inputSchema: { type: 'object', properties: { expr: { type: 'string' } }, required: ['expr'] } },
  { name: 'final_answer', description: 'Submit the answer', inputSchema: { type: 'object', properties: { summary: { type: 'string' } } } },
];
const system = 'You are the observability persona. '.repeat(40);
const model = (url: string, extra = {}) => anthropicModel({ model: 'claude-test', apiKey: 'sk-ant-test-key-000000', baseURL: url, retryInitialMs: 10, retryMaxMs: 50, ...extra });

describe('anthropicModel against the Messages API wire format', () => {
  it('sends tools and system with cache breakpoints, maps tool_use, tool_result and usage including the cache', async () => {
    const server = await serve([
      { content: [{ type: 'text', text: 'Querying.' }, { type: 'tool_use', id: 'toolu_01', name: 'grafana__query_prometheus', input: { expr: 'up' } }] },
      { content: [{ type: 'tool_use', id: 'toolu_02', name: 'final_answer', input: { summary: 'all up' } }] },
    ]);
    const m = model(server.url);
    const req: ModelRequest = { system, tools, maxTokens: 1024, messages: [{ role: 'user', content: [{ type: 'text', text: 'Alert: APIErrorRateHigh' }] }] };
    const first = await m.generate(req);
    expect(first.stopReason).toBe('tool_use');
    expect(first.content).toEqual([{ type: 'text', text: 'Querying.' }, { type: 'tool_use', id: 'toolu_01', name: 'grafana__query_prometheus', input: { expr: 'up' } }]);
    expect(first.usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(first.usage.cacheReadTokens).toBe(0);

    const second = await m.generate({
      ...req,
      messages: [...req.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '{"value":1}' }] }],
    });
    expect(second.content[0]).toMatchObject({ type: 'tool_use', name: 'final_answer', input: { summary: 'all up' } });
    // The fixed context (tools + system) and the first turn were read from the cache on the second call.
    expect(second.usage.cacheReadTokens).toBeGreaterThanOrEqual(first.usage.cacheWriteTokens!);

    const [r1, r2] = server.requests;
    // This SDK version sends the key as a bearer token; older ones used x-api-key. The server accepts both.
    expect(r1!.headers['x-api-key'] ?? r1!.headers.authorization).toMatch(/sk-ant-test-key-000000$/);
    expect(r1!.headers['anthropic-version']).toBeTruthy();
    expect(r1!.body).toMatchObject({ model: 'claude-test', max_tokens: 1024 });
    expect(r1!.body['system']).toEqual([{ type: 'text', text: system, cache_control: { type: 'ephemeral' } }]);
    const wireTools = r1!.body['tools'] as Record<string, unknown>[];
    expect(wireTools.map((t) => t['name'])).toEqual(['grafana__query_prometheus', 'final_answer']);
    expect(wireTools[0]!['cache_control']).toBeUndefined();
    expect(wireTools[1]!['cache_control']).toEqual({ type: 'ephemeral' });
    expect(wireTools[0]!['input_schema']).toMatchObject({ type: 'object', required: ['expr'] });
    const messages = r2!.body['messages'] as { role: string; content: Record<string, unknown>[] }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[2]!.content[0]).toEqual({ type: 'tool_result', tool_use_id: 'toolu_01', content: '{"value":1}', cache_control: { type: 'ephemeral' } });
    expect(messages[0]!.content[0]!['cache_control']).toBeUndefined(); // only the newest block carries the conversation breakpoint
  });

  it('can turn prompt caching off', async () => {
    const server = await serve([{ content: [{ type: 'text', text: 'ok' }] }]);
    await model(server.url, { cacheFixedContext: false, cacheConversation: false }).generate({ system, tools, maxTokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] });
    expect(JSON.stringify(server.requests[0]!.body)).not.toContain('cache_control');
  });

  it('retries a 429 through the retry primitive, waiting at least retry-after, as a retry event of the run', async () => {
    const server = await serve([rateLimited(1), { content: [{ type: 'tool_use', id: 't1', name: 'final_answer', input: { summary: 'ok' } }] }]);
    const p = persona({
      name: 'obs', description: 'd', instructions: 'i', tools: [], budget: { tokens: 100_000, turns: 3, toolCalls: 3 },
      output: z.object({ summary: z.string() }), model: model(server.url), toolset: { list: () => [], call: async () => ({ content: [] }) },
    });
    const events: StepEvent[] = [];
    const started = Date.now();
    await expect(run(p, { incident: { alert: 'x' } }, { onEvent: (e) => events.push(e), logger: quiet })).resolves.toEqual({ summary: 'ok' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(server.requests).toHaveLength(2);
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ path: 'obs/turn-1/model', attempt: 1 });
    expect((retries[0] as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(1000);
    expect((retries[0] as { error: ModelApiError }).error).toMatchObject({ status: 429, errorType: 'rate_limit_error', retryAfterMs: 1000 });
  });

  it('retries 529 overloaded_error, then gives up after maxRetries with a typed error', async () => {
    const server = await serve([overloaded(), overloaded(), overloaded()]);
    const err = await model(server.url, { maxRetries: 2 }).generate({ system: '', tools: [], maxTokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelApiError);
    expect(err).toMatchObject({ status: 529, errorType: 'overloaded_error', retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a request the API rejects as invalid (tool_use without tool_result)', async () => {
    const server = await serve([{ content: [{ type: 'text', text: 'never' }] }]);
    const err = await model(server.url).generate({
      system: '', tools, maxTokens: 10,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_9', name: 'final_answer', input: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'forgot the result' }] },
      ],
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ModelApiError', status: 400, errorType: 'invalid_request_error', retryable: false });
    expect((err as Error).message).toMatch(/tool_use` ids were found without `tool_result` blocks immediately after: toolu_9/);
    expect(server.requests).toHaveLength(1);
  });

  it('aborts the HTTP request when the signal aborts', async () => {
    const server = await serve([{ content: [{ type: 'text', text: 'late' }], delayMs: 5_000 }]);
    const ac = new AbortController();
    const pending = model(server.url).generate({ system: '', tools: [], maxTokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, ac.signal);
    await expect.poll(() => server.requests.length).toBe(1);
    ac.abort(new Error('cancelled by operator'));
    await expect(pending).rejects.toThrow('cancelled by operator');
    await expect.poll(() => server.aborted).toBe(1);
  });

  it('drives a persona with real MCP tools end to end over the wire', async () => {
    const tools = await startTestTools();
    try {
      const server = await serve((body) => {
        const messages = body['messages'] as { content: { type: string; content?: string }[] }[];
        const result = messages.at(-1)!.content.find((b) => b.type === 'tool_result');
        if (!result) return { content: [{ type: 'tool_use', id: 'toolu_a', name: 'grafana__query_prometheus', input: { expr: 'sum(rate(http_requests_total{status="500"}[5m]))' } }] };
        const value = Number((JSON.parse(result.content!) as { result: { value: [number, string] }[] }).result[0]!.value[1]);
        return { content: [{ type: 'tool_use', id: 'toolu_b', name: 'final_answer', input: { severity: 'p1', summary: 'errors', errorRate: value } }] };
      });
      const p = persona({ name: 'observability', description: 'd', instructions: 'i', tools: ['grafana.query_*'], budget: { tokens: 100_000, turns: 4, toolCalls: 4 }, output: assessment, model: model(server.url), toolset: tools.toolset });
      await expect(run(p, { incident })).resolves.toEqual({ severity: 'p1', summary: 'errors', errorRate: 0.15 });
      const names = (server.requests[0]!.body['tools'] as { name: string }[]).map((t) => t.name);
      expect(names).toEqual(['grafana__query_prometheus', 'grafana__query_loki_logs', 'final_answer']);
    } finally {
      await tools.close();
    }
  });

  it('requires an API key and names the field', () => {
    const saved = process.env['ANTHROPIC_API_KEY'];
    delete process.env['ANTHROPIC_API_KEY'];
    try {
      expect(() => anthropicModel({ model: 'claude-test' })).toThrow(InvalidOptionsError);
      expect(() => anthropicModel({ model: 'claude-test' })).toThrow(/apiKey/);
      expect(() => anthropicModel({ model: 'claude-test', apiKey: 'k', maxRetries: -1 })).toThrow(/maxRetries/);
    } finally {
      if (saved !== undefined) process.env['ANTHROPIC_API_KEY'] = saved;
    }
  });
});
