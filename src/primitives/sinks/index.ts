export { otelSink, type OtelSinkOptions } from './otel.js';
export { prometheusSink, type PrometheusSinkOptions } from './prometheus.js';
