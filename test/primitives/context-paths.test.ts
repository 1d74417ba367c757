import { describe, expect, it } from 'vitest';
import { backoff, named, parallel, retry, run, sequence, step, timeout, type StepEvent } from '../../src/index.js';
import { recording, silent } from './helpers.js';

// Core behaviour the combinators rely on: attempts flow through transparent wrappers to the step they wrap,
// and a segment given to a transparent step still names a place in the path.
describe('context: attempts and paths through transparent steps', () => {
  it('retry(timeout(sequence(a, b))): every retried step sees the attempt; their own children start at 1', async () => {
    const seen: string[] = [];
    let failures = 1;
    const inner = step('inner', (_: void, ctx) => {
      seen.push(`${ctx.path}@${ctx.attempt}`);
    });
    const a = named('a', step('leaf', async (_: void, ctx) => {
      seen.push(`${ctx.path}@${ctx.attempt}`);
      await ctx.run(inner, undefined);
    }));
    const b = step('b', (_: void, ctx) => {
      seen.push(`${ctx.path}@${ctx.attempt}`);
      if (failures-- > 0) throw new Error('once');
    });
    await run(retry(timeout(sequence(a, b), 1_000), { attempts: 2, backoff: backoff.constant(0) }), undefined, silent);
    expect(seen).toEqual(['a/leaf@1', 'a/leaf/inner@1', 'b@1', 'a/leaf@1', 'a/leaf/inner@1', 'b@2']);
  });

  it('events of a retried step carry its attempt even behind a timeout', async () => {
    let n = 0;
    const s = step('s', () => {
      if (++n < 2) throw new Error('x');
      return n;
    });
    const { opts, events } = recording();
    await run(retry(timeout(s, 1_000), { attempts: 2, backoff: backoff.constant(0) }), undefined, opts);
    const starts = events.filter((e): e is Extract<StepEvent, { type: 'start' }> => e.type === 'start');
    expect(starts.map((e) => e.attempt)).toEqual([1, 2]);
  });

  it('parallel branch keys become path segments for plain and transparent branches alike', async () => {
    const { opts, events } = recording();
    const leaf = (name: string) => step(name, () => name);
    await run(named('gather', parallel({ logs: leaf('loki'), metrics: sequence(leaf('prom'), leaf('grafana')) })), undefined, opts);
    const paths = events.filter((e) => e.type === 'start').map((e) => e.path).sort();
    expect(paths).toEqual(['gather', 'gather/logs', 'gather/metrics/grafana', 'gather/metrics/prom']);
  });
});
