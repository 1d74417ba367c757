import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context as otelContext, ROOT_CONTEXT, SpanStatusCode, type ContextManager, trace, type Attributes, type Context as OtelContext, type Span, type SpanContext,
  type SpanOptions, type SpanStatus, type Tracer, type TracerProvider,
} from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backoff, CircuitBreaker, circuitBreaker, named, otelSink, parallel, prometheusSink, retry, run, sequence, step,
} from '../../src/index.js';
import { silent } from './helpers.js';

/** What a test can see of a finished span. */
interface Recorded {
  name: string;
  parent: Recorded | undefined;
  attributes: Attributes;
  status: SpanStatus;
  events: { name: string; attributes: Attributes | undefined }[];
  exceptions: unknown[];
  ended: boolean;
}

/** The smallest real TracerProvider: records spans in memory, parents taken from the OTel context. */
class MemoryTracerProvider implements TracerProvider {
  readonly spans: Recorded[] = [];
  readonly #bySpan = new WeakMap<Span, Recorded>();
  #next = 1;

  getTracer(): Tracer {
    const provider = this;
    const byContext = this.#bySpan;
    const startSpan = (name: string, options: SpanOptions = {}, ctx: OtelContext = otelContext.active()): Span => {
      const parentSpan = trace.getSpan(ctx);
      const rec: Recorded = {
        name, parent: parentSpan ? byContext.get(parentSpan) : undefined, attributes: { ...options.attributes },
        status: { code: SpanStatusCode.UNSET }, events: [], exceptions: [], ended: false,
      };
      provider.spans.push(rec);
      const spanContext: SpanContext = { traceId: 'a'.repeat(32), spanId: (provider.#next++).toString(16).padStart(16, '0'), traceFlags: 1 };
      const span: Span = {
        spanContext: () => spanContext,
        setAttribute: (k, v) => ((rec.attributes[k] = v), span),
        setAttributes: (a) => (Object.assign(rec.attributes, a), span),
        addEvent: (n, a) => (rec.events.push({ name: n, attributes: a as Attributes | undefined }), span),
        addLink: () => span,
        addLinks: () => span,
        setStatus: (s) => ((rec.status = s), span),
        updateName: (n) => ((rec.name = n), span),
        end: () => {
          rec.ended = true;
        },
        isRecording: () => !rec.ended,
        recordException: (e) => {
          rec.exceptions.push(e);
        },
      };
      byContext.set(span, rec);
      return span;
    };
    return {
      startSpan,
      startActiveSpan: (() => {
        throw new Error('not used by firebreak');
      }) as Tracer['startActiveSpan'],
    };
  }
}

/** The usual Node context manager, in a few lines: the active OTel context lives in AsyncLocalStorage. */
class AlsContextManager implements ContextManager {
  readonly #als = new AsyncLocalStorage<OtelContext>();
  active(): OtelContext {
    return this.#als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: OtelContext, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: OtelContext, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#als.disable();
    return this;
  }
}

describe('otelSink', () => {
  afterEach(() => {
    trace.disable();
    otelContext.disable();
  });

  it('is a no-op without a registered provider, and keeps the hot path free of lifecycle events', () => {
    const sink = otelSink();
    expect(sink.lifecycle).toBe(false);
  });

  it('one span per step run, nested by path, with run attributes, error status and retry events', async () => {
    const provider = new MemoryTracerProvider();
    trace.setGlobalTracerProvider(provider);
    let n = 0;
    const flaky = step('flaky', () => {
      if (++n === 1) throw new Error('token=supersecretvalue123 rejected');
      return 'ok';
    });
    const wf = named('incident', sequence(
      parallel({ logs: step('loki', () => 'l'), metrics: step('prom', () => 'm') }),
      retry(flaky, { attempts: 2, backoff: backoff.constant(0) }),
      step('note', (_: string, ctx) => ctx.emit('tool.call', { tool: 'grafana.query', args: { query: 'up' }, apiKey: 'sk-ant-abcdefghijklmnop' })),
    ));
    await run(wf, undefined, { ...silent, runId: 'run-1', sinks: [otelSink()] });
    const byName = (name: string) => provider.spans.filter((s) => s.name === name);
    expect(provider.spans.every((s) => s.ended)).toBe(true);
    const root = byName('incident')[0]!;
    expect(root.parent).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'firebreak.run_id': 'run-1', 'firebreak.path': 'incident', 'firebreak.kind': 'named' });
    // Branches are named by their step; their paths carry the branch keys.
    expect(byName('loki')[0]!.parent).toBe(root);
    expect(byName('loki')[0]!.attributes['firebreak.path']).toBe('incident/logs');
    const [first, second] = byName('flaky');
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    expect(first!.status.message).not.toContain('supersecretvalue123');
    expect(first!.attributes['firebreak.attempt']).toBe(1);
    expect(second!.status.code).toBe(SpanStatusCode.OK);
    expect(second!.attributes['firebreak.attempt']).toBe(2);
    expect(root.events.map((e) => e.name)).toContain('retry');
    const note = byName('note')[0]!;
    const call = note.events.find((e) => e.name === 'tool.call')!;
    expect(call.attributes).toMatchObject({ tool: 'grafana.query', args: '{"query":"up"}', apiKey: '[REDACTED]' });
  });

  it('the root span is a child of the span active when run() is called', async () => {
    otelContext.setGlobalContextManager(new AlsContextManager());
    const provider = new MemoryTracerProvider();
    const tracer = provider.getTracer();
    const outer = tracer.startSpan('http request');
    await otelContext.with(trace.setSpan(otelContext.active(), outer), () =>
      run(named('incident', step('s', () => 1)), undefined, { ...silent, sinks: [otelSink({ tracerProvider: provider })] }),
    );
    const [http, incident, s] = provider.spans;
    expect([http!.name, incident!.name, s!.name]).toEqual(['http request', 'incident', 's']);
    expect(incident!.parent).toBe(http);
    expect(s!.parent).toBe(incident);
  });
});

describe('prometheusSink', () => {
  it('records durations, errors, retries and breaker state, with bounded labels', async () => {
    const registry = new Registry();
    const breaker = new CircuitBreaker({ name: 'grafana', failureThreshold: 2, halfOpenAfterMs: 60_000 });
    const sink = prometheusSink({ registry, breakers: [breaker] });
    let n = 0;
    const flaky = step('query', () => {
      if (++n <= 2) throw new TypeError('bad gateway');
      return 1;
    });
    await run(step('warmup', () => 1), undefined, { ...silent, sinks: [sink] });
    await run(retry(circuitBreaker(flaky, breaker), { attempts: 3, backoff: backoff.constant(0) }), undefined, { ...silent, sinks: [sink] }).catch(() => undefined);
    const text = await registry.metrics();
    expect(text).toMatch(/firebreak_step_duration_seconds_count\{step="warmup",kind="step",outcome="ok"\} 1/);
    expect(text).toMatch(/firebreak_step_duration_seconds_count\{step="query",kind="step",outcome="error"\} 2/);
    expect(text).toMatch(/firebreak_step_errors_total\{step="query",kind="step",error="TypeError"\} 2/);
    expect(text).toMatch(/firebreak_step_retries_total\{step="query"\} 2/);
    expect(text).toMatch(/firebreak_breaker_state\{breaker="grafana",state="open"\} 1/);
    expect(text).toMatch(/firebreak_breaker_state\{breaker="grafana",state="closed"\} 0/);
    // A second sink on the same registry re-uses the metrics instead of throwing.
    expect(() => prometheusSink({ registry })).not.toThrow();
    breaker.reset();
    expect(await registry.metrics()).toMatch(/firebreak_breaker_state\{breaker="grafana",state="closed"\} 1/);
  });
});
