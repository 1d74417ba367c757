import { createRequire } from 'node:module';
import type { Attributes, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { redactJson, redactText, secretValuesFromEnv, type RedactOptions } from '../../security/redact.js';
import { describe } from '../errors.js';
import type { EventSink } from '../sink.js';
import type { StepEvent } from '../types.js';

export interface OtelSinkOptions {
  /** Use this provider instead of the global one (then spans are always recorded). */
  tracerProvider?: TracerProvider;
  /** Instrumentation scope name; default 'firebreak'. */
  tracerName?: string;
  /** Extra literal secrets to redact from exported messages (secret env values are always redacted). */
  secrets?: readonly string[];
}

// Loaded on first use so importing firebreak does not pay for it. The CommonJS build is safe to mix with an
// application's ESM copy: the API keeps the registered provider, context manager and context keys in
// process-wide globals (Symbol.for), precisely so that several copies interoperate.
type OtelApi = typeof import('@opentelemetry/api');
let otelApi: OtelApi | undefined;
const loadOtel = (): OtelApi => (otelApi ??= createRequire(import.meta.url)('@opentelemetry/api') as OtelApi);

// OTel's SpanStatusCode values, fixed by the specification.
const STATUS_OK = 1;
const STATUS_ERROR = 2;

/** True when some SDK registered a real provider; the API's default one only hands out no-op tracers. */
function globalProviderRegistered(trace: OtelApi['trace']): boolean {
  const provider = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  if (typeof provider.getDelegate !== 'function') return true;
  return provider.getDelegate().constructor.name !== 'NoopTracerProvider';
}

/**
 * OpenTelemetry spans from the run's event stream: one span per step run, nested by path.
 *
 * When to use: pass it in `run(..., { sinks: [otelSink()] })` once your OpenTelemetry SDK is set up.
 * What it does: a span per step (name = step name) with attributes firebreak.run_id, firebreak.path,
 * firebreak.step, firebreak.kind, firebreak.attempt; a failed step records the exception and ERROR status;
 * retries, breaker changes and custom events become span events on the nearest live span. The root span is
 * a child of whatever span is active when `run()` is called.
 * Error messages, stacks and custom event data are redacted (src/security/redact.ts) before export.
 * Gotchas: decides once, when created, whether a provider is registered: without one it is a no-op with
 * `lifecycle: false`, so the run's hot path stays allocation-free. Create it after the SDK starts.
 */
export function otelSink(opts: OtelSinkOptions = {}): EventSink {
  const { trace, context: otelContext } = loadOtel();
  if (!opts.tracerProvider && !globalProviderRegistered(trace)) return { lifecycle: false, handle: () => undefined };
  const tracer: Tracer = (opts.tracerProvider ?? trace.getTracerProvider()).getTracer(opts.tracerName ?? 'firebreak');
  // Secret values are read once: spans are exported far from here, so redaction happens before they leave.
  const redaction: RedactOptions = { secrets: [...(opts.secrets ?? []), ...secretValuesFromEnv()], env: {} };
  const clean = (text: string): string => redactText(text, redaction);
  // Live spans by runId + path. A path is unique among the steps running at one time in one run.
  const live = new Map<string, Span>();
  const keyOf = (runId: string, path: string): string => runId + '\0' + path;

  const nearest = (runId: string, path: string): Span | undefined => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      const span = live.get(keyOf(runId, p));
      if (span !== undefined) return span;
      if (!p.includes('/')) return undefined;
    }
  };

  const parentOf = (runId: string, path: string): Span | undefined => {
    const cut = path.lastIndexOf('/');
    return cut < 0 ? undefined : nearest(runId, path.slice(0, cut));
  };

  return {
    lifecycle: true,
    handle(event: StepEvent): void {
      const key = keyOf(event.runId, event.path);
      switch (event.type) {
        case 'start': {
          const parent = parentOf(event.runId, event.path);
          const ctx = parent ? trace.setSpan(otelContext.active(), parent) : otelContext.active();
          const attributes: Attributes = {
            'firebreak.run_id': event.runId, 'firebreak.path': event.path, 'firebreak.step': event.step,
            'firebreak.kind': event.kind, 'firebreak.attempt': event.attempt,
          };
          live.set(key, tracer.startSpan(event.step, { attributes, startTime: event.at }, ctx));
          return;
        }
        case 'end': {
          const span = live.get(key);
          if (span === undefined) return; // a replayed step: it did not run, so it has no span
          live.delete(key);
          span.setStatus({ code: STATUS_OK });
          span.end();
          return;
        }
        case 'error': {
          const span = live.get(key);
          if (span === undefined) return;
          live.delete(key);
          const err = event.error;
          if (err instanceof Error) span.recordException({ name: err.name, message: clean(err.message), ...(err.stack ? { stack: clean(err.stack) } : {}) });
          span.setStatus({ code: STATUS_ERROR, message: clean(describe(err)) });
          span.end();
          return;
        }
        case 'retry':
          nearest(event.runId, event.path)?.addEvent('retry', {
            'firebreak.step': event.step, 'firebreak.attempt': event.attempt, 'firebreak.delay_ms': event.delayMs,
            'exception.message': clean(describe(event.error)),
          });
          return;
        case 'breaker':
          nearest(event.runId, event.path)?.addEvent('breaker', { 'firebreak.breaker': event.breaker, 'firebreak.from': event.from, 'firebreak.to': event.to });
          return;
        case 'custom':
          nearest(event.runId, event.path)?.addEvent(event.name, flatten(redactJson(event.data, redaction)));
          return;
      }
    },
  };
}

/** Span event attributes must be primitives (or arrays of them); anything else is JSON-encoded. */
function flatten(data: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v !== undefined) out[k] = safeJson(v);
  }
  return out;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
