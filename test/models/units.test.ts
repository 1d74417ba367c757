import { describe, expect, it } from 'vitest';
import { scriptedModel, text, toolUse } from '../../src/testing/index.js';
import { ScriptExhaustedError, toWireName, ToolNameMap, ToolNameCollisionError, estimateTokens, isWireName } from '../../src/models/index.js';
import { firstDifference } from '../../src/models/diff.js';

const req = { system: 'You are a tester.', tools: [], maxTokens: 100, messages: [{ role: 'user' as const, content: [text('hello there')] }] };

describe('models: small parts', () => {
  it('maps tool names to provider-safe wire names, reversibly', () => {
    expect(toWireName('grafana.query_prometheus')).toBe('grafana__query_prometheus');
    const long = `server.${'x'.repeat(80)}`;
    expect(isWireName(toWireName(long))).toBe(true);
    expect(toWireName(long)).not.toBe(toWireName(`${long}y`));
    expect(isWireName(toWireName('my server.do it!'))).toBe(true);
    const map = new ToolNameMap(['grafana.query_prometheus', 'github.merge_pull_request']);
    expect(map.qualified('github__merge_pull_request')).toBe('github.merge_pull_request');
    expect(map.qualified('made_up')).toBeUndefined();
    expect(() => new ToolNameMap(['a.b__c', 'a__b.c'])).toThrow(ToolNameCollisionError);
  });

  it('scriptedModel serves replies in order, infers stop reasons, estimates usage and records requests', async () => {
    const model = scriptedModel([[text('hi')], [toolUse('grafana.query_prometheus', { expr: 'up' })]]);
    const first = await model.generate(req);
    expect(first.stopReason).toBe('end_turn');
    expect(first.usage).toEqual({ inputTokens: estimateTokens(req.system) + estimateTokens('[]') + estimateTokens('hello there'), outputTokens: 1 });
    const second = await model.generate(req);
    expect(second).toMatchObject({ stopReason: 'tool_use', content: [{ type: 'tool_use', name: 'grafana__query_prometheus' }] });
    await expect(model.generate(req)).rejects.toBeInstanceOf(ScriptExhaustedError);
    expect(model.requests).toHaveLength(3);
  });

  it('scriptedModel delays honour the abort signal', async () => {
    const model = scriptedModel([{ content: [text('late')], delayMs: 10_000 }]);
    const ac = new AbortController();
    const pending = model.generate(req, ac.signal);
    ac.abort(new Error('give up'));
    await expect(pending).rejects.toThrow('give up');
  });

  it('estimates tokens at 3.5 characters per token', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefg')).toBe(2);
  });

  it('finds the first differing field by path, ignoring key order', () => {
    expect(firstDifference({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBeUndefined();
    expect(firstDifference({ a: 1, b: [1, { c: 'x' }] }, { a: 1, b: [1, { c: 'y' }] })).toEqual({ path: 'b[1].c', expected: 'x', actual: 'y' });
    expect(firstDifference({ m: [1, 2] }, { m: [1] })).toEqual({ path: 'm.length', expected: 2, actual: 1 });
    expect(firstDifference({ a: 1 }, { a: 1, extra: true })).toEqual({ path: 'extra', expected: undefined, actual: true });
  });
});
