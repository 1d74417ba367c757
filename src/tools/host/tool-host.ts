import type { Logger } from 'pino';
import { abortReason, backoff, prepareRun, type PreparedRun, type Step, type StepEvent } from '../../primitives/index.js';
import { secretValuesFromEnv } from '../../security/redact.js';
import type { ToolCallOptions, ToolResult, ToolSet, ToolSpec } from '../types.js';
import { resolveHostConfig, type ResolvedHostConfig, type ToolHostConfig } from './config.js';
import { ServerConnection, type ServerStatus } from './connection.js';
import { ToolHostClosedError } from './errors.js';
import { HostEvents, type CallOutcome, type ToolCallRecord, type ToolHostListener } from './events.js';
import { failureResult } from './failure-result.js';
import { buildPipeline, type CallInput, type CallOutput, type ServerPipeline } from './pipeline.js';
import { serverSecrets } from './server-secrets.js';
import { shapeResult, type ShapeOptions } from './shape-result.js';
import { stderrLogger } from '../../primitives/logger.js';

export interface ServerHealth extends ServerStatus {
  /** The server's circuit breaker: 'open' means calls fail fast until the next probe. */
  breaker: string;
  /** Calls in flight / waiting in the server's bulkhead. */
  inFlight: number;
  queued: number;
}

/** A ToolSet backed by MCP servers, plus the controls a long-lived host needs. */
export interface ToolHost extends ToolSet {
  /** Per server: connection state, error, tool count, breaker state, load. */
  status(): ServerHealth[];
  /** Subscribes to server state changes, tool list changes and every call; returns the unsubscribe. */
  onEvent(listener: ToolHostListener): () => void;
  /** Disconnects every server (stdio children are terminated). Later calls answer "the tool host is closed". */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

interface Hosted {
  conn: ServerConnection;
  pipeline: ServerPipeline;
  maxResultBytes: number;
}

/**
 * Connects to MCP servers and returns the ToolSet personas call through.
 *
 * When to use: once per process (or per drill), with the same `mcpServers` config an IDE uses.
 * What it does: starts every server in parallel; a server that fails to start is reported by `status()`
 * and a warning, and its tools are absent while the others work. Each call runs through the server's
 * bulkhead, retry (read-only tools only), circuit breaker and timeout; results are redacted and truncated;
 * failures come back as `isError` results a model can read. Dropped servers are reconnected on the next call.
 * Gotchas: only the caller's own abort (opts.signal / opts.ctx.signal) rejects. Stdio servers get only the
 * env you configure (plus PATH, HOME and the like), as in IDE clients. Call `close()` (or `await using`).
 *
 * @example
 * await using tools = await connectTools({ mcpServers: { grafana: { command: 'npx', args: ['firebreak', 'tools', 'grafana'] } } });
 * const res = await tools.call('grafana.query_prometheus', { expr: 'up', queryType: 'instant', startTime: 'now' });
 */
export async function connectTools(config: ToolHostConfig): Promise<ToolHost> {
  const resolved = resolveHostConfig(config);
  const host = new McpToolHost(resolved);
  await host.start();
  return host;
}

class McpToolHost implements ToolHost {
  readonly #servers = new Map<string, Hosted>();
  readonly #events = new HostEvents();
  readonly #logger: Logger;
  readonly #secrets: string[];
  /** Starts the run of a call made without a caller ctx (validated once, not per call). */
  readonly #start: PreparedRun;
  #list: ToolSpec[] | undefined;
  #closed = false;
  /** Per qualified name: its server and its call step (names are few and stable, so this is a lookup per call). */
  readonly #routes = new Map<string, Route>();
  readonly #shapes = new Map<number, ShapeOptions>();

  constructor(config: ResolvedHostConfig) {
    this.#logger = (config.logger ?? stderrLogger('firebreak')).child({ component: 'tool-host' });
    this.#secrets = [...new Set([...config.secrets, ...secretValuesFromEnv(config.env), ...config.servers.flatMap((s) => serverSecrets(s.server))])]
      .filter((s) => s.length >= 6)
      .sort((a, b) => b.length - a.length);
    // Calls made without a caller ctx still publish retry/breaker events: they go to the host's listeners.
    this.#start = prepareRun({ logger: this.#logger, sinks: [{ lifecycle: false, handle: (event: StepEvent) => this.#onStepEvent(event) }] });
    const reconnect = backoff.exponential({
      initialMs: Math.max(1, config.reconnect.initialDelayMs),
      maxMs: Math.max(1, config.reconnect.maxDelayMs, config.reconnect.initialDelayMs),
      jitter: 'equal',
    });
    for (const { name, server, policy } of config.servers) {
      const conn = new ServerConnection(name, server, {
        startupTimeoutMs: config.startupTimeoutMs,
        backoff: (failures) => (config.reconnect.initialDelayMs === 0 ? 0 : reconnect.delay(failures, 0)),
        logger: this.#logger,
        events: this.#events,
        secrets: this.#secrets,
        onToolsChanged: () => {
          this.#list = undefined;
        },
      });
      this.#servers.set(name, { conn, pipeline: buildPipeline(conn, policy), maxResultBytes: policy.maxResultBytes });
    }
  }

  async start(): Promise<void> {
    await Promise.all([...this.#servers.values()].map((s) => s.conn.start()));
  }

  list(): ToolSpec[] {
    if (!this.#list) {
      const specs: ToolSpec[] = [];
      for (const { conn } of this.#servers.values()) for (const tool of conn.tools.values()) specs.push(tool.spec);
      this.#list = specs;
    }
    return this.#list.slice();
  }

  async call(name: string, args: Record<string, unknown>, opts: ToolCallOptions = NO_OPTIONS): Promise<ToolResult> {
    const started = performance.now();
    const signal = callerSignal(opts);
    if (signal?.aborted) throw abortReason(signal);
    const route = this.#route(name);
    const serverName = route.server;
    const hosted = route.hosted;
    if (this.#closed || !hosted) {
      const err = this.#closed ? new ToolHostClosedError() : undefined;
      return this.#finish(name, serverName, started, failureResult(name, err ?? 'unknown-tool', this.#known()), opts, 0);
    }
    const known = hosted.conn.tools.get(name);
    if (!known && hosted.conn.state === 'connected') {
      return this.#finish(name, serverName, started, failureResult(name, 'unknown-tool', this.#known(serverName)), opts, hosted.maxResultBytes);
    }
    const key = opts.idempotencyKey;
    const input: CallInput = {
      name,
      // The key goes both where the built-in write tools read it (an argument) and where MCP puts
      // request metadata (_meta), so third-party servers can pick it up too.
      args: key && known?.takesIdempotencyKey && args?.idempotencyKey === undefined ? { ...args, idempotencyKey: key } : (args ?? {}),
      readOnly: known?.readOnly ?? false,
      meta: key ? { idempotencyKey: key } : undefined,
    };
    let output: CallOutput;
    try {
      const step = route.step!;
      output = opts.ctx
        ? await opts.ctx.run(step, input, signal && signal !== opts.ctx.signal ? { signal } : undefined)
        : await this.#start(step, input, signal);
    } catch (err) {
      if (signal?.aborted) {
        this.#record(name, serverName, started, 'cancelled', 0, false, opts);
        throw err;
      }
      return this.#finish(name, serverName, started, failureResult(name, err, []), opts, hosted.maxResultBytes);
    }
    if (output.kind !== 'result') {
      const failure = output.kind === 'unknown-tool' ? failureResult(name, 'unknown-tool', this.#known(serverName)) : failureResult(name, output, []);
      return this.#finish(name, serverName, started, failure, opts, hosted.maxResultBytes);
    }
    const outcome: CallOutcome = output.result.isError === true ? 'tool-error' : 'ok';
    return this.#finish(name, serverName, started, { raw: output.result, outcome }, opts, hosted.maxResultBytes);
  }

  status(): ServerHealth[] {
    return [...this.#servers.values()].map(({ conn, pipeline }) => ({
      ...conn.status(),
      breaker: pipeline.breaker.state,
      inFlight: pipeline.bulkhead.running,
      queued: pipeline.bulkhead.queued,
    }));
  }

  onEvent(listener: ToolHostListener): () => void {
    return this.#events.subscribe(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#servers.values()].map((s) => s.conn.close()));
    this.#list = undefined;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #finish(
    name: string,
    server: string,
    started: number,
    answer: { raw: { content?: unknown; structuredContent?: unknown; isError?: unknown }; outcome: CallOutcome },
    opts: ToolCallOptions,
    maxBytes: number,
  ): ToolResult {
    const shaped = shapeResult(answer.raw, this.#shapeOptions(maxBytes));
    this.#record(name, server, started, answer.outcome, shaped.bytes, shaped.truncated, opts);
    return shaped.result;
  }

  /** Shape options per byte limit, made once (every server usually shares one limit). */
  #shapeOptions(maxBytes: number): ShapeOptions {
    const limit = maxBytes || 64 * 1024;
    let options = this.#shapes.get(limit);
    if (options === undefined) this.#shapes.set(limit, (options = { maxBytes: limit, secrets: this.#secrets }));
    return options;
  }

  #record(name: string, server: string, started: number, outcome: CallOutcome, bytes: number, truncated: boolean, opts: ToolCallOptions): void {
    const answered = outcome === 'ok' || outcome === 'tool-error' || outcome === 'cancelled';
    // Nobody to tell (no run, no listener, debug logging off): a quiet success costs nothing here.
    if (answered && !opts.ctx && !this.#events.active && !this.#logger.isLevelEnabled('debug')) return;
    const record: ToolCallRecord = {
      server,
      tool: name.startsWith(server + '.') ? name.slice(server.length + 1) : name,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      outcome,
      bytes,
      truncated,
    };
    if (this.#events.active) this.#events.publish({ type: 'tool.call', at: Date.now(), ...record });
    // With a ctx the run's own log sink records the event; without one, the host logs it.
    if (opts.ctx) opts.ctx.emit('tool.call', { ...record });
    else if (answered) this.#logger.debug(record, 'tool call');
    else this.#logger.info(record, 'tool call failed');
  }

  #route(name: string): Route {
    let route = this.#routes.get(name);
    if (route === undefined) {
      const dot = typeof name === 'string' ? name.indexOf('.') : -1;
      const server = dot > 0 ? name.slice(0, dot) : String(name);
      const hosted = this.#servers.get(server);
      route = { server, hosted, step: hosted && callStep(hosted.pipeline.step, name) };
      // Bounded: names come from callers, and an unknown one still runs (the server may have gained it).
      if (this.#routes.size >= 1024) this.#routes.clear();
      if (typeof name === 'string') this.#routes.set(name, route);
    }
    return route;
  }

  #known(server?: string): string[] {
    return this.list().map((t) => t.name).filter((n) => server === undefined || n.startsWith(server + '.'));
  }

  #onStepEvent(event: StepEvent): void {
    if (this.#events.active && (event.type === 'retry' || event.type === 'breaker')) this.#events.publish({ type: 'step', at: event.at, event });
  }
}

/**
 * The call's own step, so the timeline shows it at `<caller path>/server.tool`; never journaled (a persona may
 * call the same tool twice from one step, and replaying the first answer for the second would be wrong).
 */
function callStep(pipeline: Step<CallInput, CallOutput>, name: string): Step<CallInput, CallOutput> {
  return { name: name.replaceAll('/', '_'), kind: 'tool', durable: false, run: (i, ctx) => ctx.run(pipeline, i) };
}

interface Route {
  server: string;
  hosted: Hosted | undefined;
  step: Step<CallInput, CallOutput> | undefined;
}

const NO_OPTIONS: ToolCallOptions = Object.freeze({});

/** The caller's own cancellation: opts.signal, the ctx's signal, or both. */
function callerSignal(opts: ToolCallOptions): AbortSignal | undefined {
  const ctxSignal = opts.ctx?.signal;
  if (opts.signal && ctxSignal && opts.signal !== ctxSignal) return AbortSignal.any([ctxSignal, opts.signal]);
  return opts.signal ?? ctxSignal;
}
