import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NEVER_ABORTED, raceAbort } from './abort.js';
import { RunContext, type RunState } from './context.js';
import type { RunJournal } from './journal.js';
import { defaultLogger, pinoSink } from './logger.js';
import { parseOptions } from './options.js';
import { callbackSink, type EventSink } from './sink.js';
import type { ContextMemory, Step, StepEvent } from './types.js';

export interface RunOptions {
  /** Aborting it rejects the run promptly with the signal's reason, wherever the run is waiting. */
  signal?: AbortSignal;
  /** Defaults to a random UUID. Re-use a runId with a journal to resume a crashed run. */
  runId?: string;
  /** pino logger for this run; default: JSON on stderr at FIREBREAK_LOG_LEVEL (default warn). */
  logger?: Logger;
  /** Sees every event of the run (start, end, error, retry, breaker, custom). */
  onEvent?: (event: StepEvent) => void;
  /** More consumers of the event stream (OpenTelemetry, Prometheus, an incident timeline). */
  sinks?: readonly EventSink[];
  /** Records completed steps so a re-run with the same runId resumes instead of repeating work. */
  journal?: RunJournal;
  /** Exposed to steps as `ctx.memory`. */
  memory?: ContextMemory;
  /** Path prefix for the root step (default: none; the root step's name is the first segment). */
  basePath?: string;
}

const runOptionsSchema = z.object({
  signal: z.instanceof(AbortSignal).optional(),
  runId: z.string().min(1).max(200).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function', 'expected a pino logger').optional(),
  onEvent: z.custom<(e: StepEvent) => void>((v) => typeof v === 'function', 'expected a function').optional(),
  sinks: z.array(z.custom<EventSink>((v) => typeof v === 'object' && v !== null && typeof (v as EventSink).handle === 'function', 'expected an EventSink')).optional(),
  journal: z.custom<RunJournal>((v) => typeof v === 'object' && v !== null && typeof (v as RunJournal).lookup === 'function', 'expected a RunJournal').optional(),
  memory: z.custom<ContextMemory>((v) => typeof v === 'object' && v !== null, 'expected a memory store').optional(),
  basePath: z.string().optional(),
}).strict();

/**
 * Runs a step (usually a whole workflow) to completion.
 *
 * When to use: the entry point for every workflow, from a script, the CLI, the MCP server or a test.
 * What it does: creates the run's context and its one event stream (pino + `onEvent` + any sinks), consults
 * the journal when given, and settles with the root step's output.
 * Gotchas: aborting `signal` rejects at once even if a user step ignores its signal — that step's work is
 * then abandoned, not stopped; write steps that honour `ctx.signal`.
 *
 * @example
 * const double = step('double', (n: number) => n * 2);
 * await run(sequence(double, double), 3); // 12
 */
export function run<I, O>(root: Step<I, O>, input: I, opts: RunOptions = {}): Promise<O> {
  let ctx: RunContext;
  try {
    // Validation is skipped for the common no-options call so a tiny run stays cheap.
    for (const _ in opts) {
      parseOptions('run', runOptionsSchema, opts);
      break;
    }
    const shared = sharedState(opts);
    ctx = new RunContext({ ...shared, runId: opts.runId ?? randomUUID(), journal: opts.journal }, opts.basePath ?? '', opts.signal ?? NEVER_ABORTED, 1);
  } catch (err) {
    return Promise.reject(err);
  }
  if (ctx.state.journal) return runJournaled(ctx, ctx.state.journal, root, input);
  return runRoot(ctx, root, input);
}

/** Options a prepared runner shares between its runs: everything but the signal, run id and journal. */
export type PreparedRunOptions = Omit<RunOptions, 'signal' | 'runId' | 'journal'>;

/** Starts one run with a prepared runner's options. */
export type PreparedRun = <I, O>(root: Step<I, O>, input: I, signal?: AbortSignal) => Promise<O>;

/**
 * Validates run options once and returns a function that starts runs with them.
 *
 * When to use: a hot path that starts many small runs with the same options — a tool host answering calls
 * made outside any workflow, a server handling requests. `run(step, input, opts)` validates its options and
 * builds the event stream on every call; a prepared runner does that once.
 * What it does: each run gets its own context and a run id `<random prefix>-<n>` (unique in the process and
 * across processes, cheaper than a UUID per run). Journals are not supported: a journaled run is resumed by
 * its own run id, which only `run()` takes.
 * Gotchas: the logger and sinks are shared by every run it starts.
 *
 * @example
 * const start = prepareRun({ logger: pino({ level: 'silent' }) });
 * await start(step('double', (n: number) => n * 2), 21); // 42
 */
export function prepareRun(opts: PreparedRunOptions = {}): PreparedRun {
  parseOptions('prepareRun', preparedOptionsSchema, opts);
  const shared = sharedState(opts);
  const prefix = randomUUID().slice(0, 18);
  const basePath = opts.basePath ?? '';
  let count = 0;
  return <I, O>(root: Step<I, O>, input: I, signal: AbortSignal = NEVER_ABORTED): Promise<O> => {
    const state: RunState = { ...shared, runId: `${prefix}-${++count}`, journal: undefined };
    return runRoot(new RunContext(state, basePath, signal, 1), root, input);
  };
}

const preparedOptionsSchema = runOptionsSchema.omit({ signal: true, runId: true, journal: true });

/** The parts of a run's state that come from its options alone (not its id or journal). */
function sharedState(opts: PreparedRunOptions): Omit<RunState, 'runId' | 'journal'> {
  const logger = opts.logger ?? defaultLogger();
  const sinks: EventSink[] = [pinoSink(logger)];
  if (opts.onEvent) sinks.push(callbackSink(opts.onEvent));
  if (opts.sinks) sinks.push(...opts.sinks);
  return { logger, sinks, lifecycle: sinks.some((s) => s.lifecycle), memory: opts.memory };
}

/**
 * Hot path: no journal to consult, so no async frame of its own — the root step's promise is the run's
 * (raced against the signal, which is free when there is none).
 */
function runRoot<I, O>(ctx: RunContext, root: Step<I, O>, input: I): Promise<O> {
  return raceAbort(ctx.run(root, input), ctx.signal);
}

async function runJournaled<I, O>(ctx: RunContext, journal: RunJournal, root: Step<I, O>, input: I): Promise<O> {
  const runId = ctx.state.runId;
  await journal.begin(runId, root);
  try {
    const output = await raceAbort(ctx.run(root, input), ctx.signal);
    await journal.finish?.(runId, { ok: true });
    return output;
  } catch (err) {
    await journal.finish?.(runId, { ok: false, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}
