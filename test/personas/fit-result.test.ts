import { describe, expect, it } from 'vitest';
import { fitToolResult } from '../../src/personas/fit-result.js';

// A Loki answer as the grafana server gives it: entries with long lines (stack traces).
const line = (i: number): Record<string, unknown> => ({ timestamp: `2026-12-08T00:00:${String(i).padStart(2, '0')}Z`, line: `{"level":"error","msg":"pool acquire timeout","stack":"${'at Pool.acquire (pool.ts:42)\\n'.repeat(40)}"}`, labels: { service: 'api' } });
const logs = { datasource: 'loki', query: '{service="api"}', data: Array.from({ length: 50 }, (_, i) => line(i)) };

describe('fitToolResult', () => {
  it('leaves a result that fits as it is', () => {
    expect(fitToolResult('{"ok":true}', 100)).toBe('{"ok":true}');
  });

  it('a JSON result with a list keeps whole entries, as many as fit, and says how many it left out', () => {
    const text = JSON.stringify(logs, null, 2);
    const fitted = fitToolResult(text, 20_000);
    expect(fitted.length).toBeLessThanOrEqual(20_000);
    const [json, note] = fitted.split('\n…[');
    const shown = JSON.parse(json!) as typeof logs;
    expect(shown).toMatchObject({ datasource: 'loki', query: '{service="api"}' });
    expect(shown.data.length).toBeGreaterThan(10);
    expect(shown.data).toEqual(logs.data.slice(0, shown.data.length));
    expect(note).toBe(`${50 - shown.data.length} of 50 entries of "data" left out to fit 20000 characters: narrow the query (a smaller limit, a filter, a shorter range) to see them]`);
    // One more entry would not have fitted.
    expect(JSON.stringify({ ...logs, data: logs.data.slice(0, shown.data.length + 1) }).length + note!.length).toBeGreaterThan(20_000 - 4);
  });

  it('a top-level array is cut the same way', () => {
    const fitted = fitToolResult(JSON.stringify(logs.data), 5_000);
    expect(fitted).toMatch(/^\[.*\]\n…\[\d+ of 50 entries of the result left out/s);
  });

  it('text, or JSON whose first entry alone is too long, is cut at the limit with a marker', () => {
    expect(fitToolResult('x'.repeat(150), 100)).toBe(`${'x'.repeat(100)}\n…[truncated 50 characters]`);
    const one = JSON.stringify({ data: [line(1), line(2)] });
    expect(fitToolResult(one, 500)).toBe(`${one.slice(0, 500)}\n…[truncated ${one.length - 500} characters]`);
  });
});
