import type { AnyStep } from '../primitives/types.js';
import { redactJson, redactText } from '../security/redact.js';
import type { JournalBackend } from './backend.js';
import { JournalMismatchError, JournalOutputError, MemoryValueError, MemoryValueTooLargeError } from './errors.js';
import { JournalBuffer } from './journal-buffer.js';
import { assertJson, stringifyWithLimit } from './json-value.js';
import type { StoreConfig } from './store.js';
import { describeStructure, fingerprint, firstDifference, parseStructure, stepPaths } from './structure.js';
import type { BackendKind, DurableJournal, Json, RunStatus } from './types.js';
import { checkName, checkPath, NO_ENV } from './validate.js';

interface Shape {
  serialized: string;
  fingerprint: string;
  /** Step path -> is a side effect (structure.ts stepPaths). */
  paths: Map<string, boolean>;
}

/** Structures are computed once per workflow object: a workflow is built once and run many times. */
const shapes = new WeakMap<AnyStep, Shape>();

function shapeOf(root: AnyStep): Shape {
  let shape = shapes.get(root);
  if (!shape) {
    const serialized = JSON.stringify(describeStructure(root));
    shape = { serialized, fingerprint: fingerprint(serialized), paths: stepPaths(root) };
    shapes.set(root, shape);
  }
  return shape;
}

/** A run begun through this journal and not finished: its recorded outputs and which paths have side effects. */
interface ActiveRun {
  outputs: Map<string, string | null>;
  paths: Map<string, boolean>;
}

/**
 * The durable run journal over any backend. The runner (src/primitives/context.ts) calls `lookup` before and
 * `record` after every non-transparent durable step, so a resumed run replays completed steps and continues
 * from the first incomplete one.
 *
 * How it stays cheap: `begin` loads the run's recorded outputs once, so lookups are in memory; writes are
 * batched (journal-buffer.ts) and flushed before a side-effecting step — or a step at a path the workflow's
 * structure does not predict — starts, and when the run finishes (run() settles only once its journal is
 * stored). So a side effect never happens before the outputs it depends on are stored, while a crash in the
 * middle of a synchronous burst of pure steps may make those steps run again on resume.
 *
 * Gotchas: outputs must be JSON (a JournalOutputError names the step; use `durable: false` for steps whose
 * output is not); an output that contains a secret is not recorded at all — storing it would leak it and
 * storing it redacted would replay a different value — so that step simply re-runs on resume. One process
 * at a time per runId: the journal de-duplicates completed steps, it does not lock live runs.
 */
export class Journal implements DurableJournal {
  readonly #buffer: JournalBuffer;
  readonly #active = new Map<string, ActiveRun>();

  constructor(
    private readonly raw: JournalBackend,
    readonly backend: BackendKind,
    private readonly config: StoreConfig,
    private readonly ensureOpen: () => void,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    this.#buffer = new JournalBuffer((batch) => raw.writeBatch(batch));
  }

  async begin(runId: string, root: AnyStep): Promise<void> {
    this.ensureOpen();
    checkName('runId', runId, this.config.secrets);
    const shape = shapeOf(root);
    // Read what is stored, including anything this process has not written yet.
    if (this.#buffer.size > 0) await this.#buffer.flush();
    const existing = await this.raw.getRun(runId);
    if (existing && existing.fingerprint !== shape.fingerprint) {
      const diff = firstDifference(parseStructure(existing.structure), parseStructure(shape.serialized));
      throw new JournalMismatchError(runId, diff?.path ?? '(root)', diff?.recorded, diff?.current);
    }
    const outputs = existing ? await this.raw.getSteps(runId) : new Map<string, string | null>();
    this.#buffer.start({ runId, fingerprint: shape.fingerprint, structure: shape.serialized, startedAt: Date.now() });
    this.#active.set(runId, { outputs, paths: shape.paths });
  }

  async lookup(runId: string, path: string): Promise<{ output: unknown } | undefined> {
    this.ensureOpen();
    checkPath(path);
    const active = this.#active.get(runId);
    if (!active) {
      // A run not begun here (a caller using the journal directly): read through to storage.
      const row = this.#buffer.getStep(runId, path) ?? (await this.raw.getStep(runId, path));
      return row && { output: decode(row.json) };
    }
    if (active.outputs.has(path)) return { output: decode(active.outputs.get(path)!) };
    // `path` is about to run. If it may have side effects, everything it depends on must be stored first.
    if (this.#buffer.size > 0 && active.paths.get(path) !== false) await this.#buffer.flush();
    return undefined;
  }

  async record(runId: string, path: string, output: unknown): Promise<void> {
    this.ensureOpen();
    checkPath(path);
    const json = this.#encode(runId, path, output);
    if (json === undefined) return;
    this.#active.get(runId)?.outputs.set(path, json);
    this.#buffer.step({ runId, path, json, recordedAt: Date.now() });
  }

  async finish(runId: string, outcome: { ok: boolean; error?: string }): Promise<void> {
    this.ensureOpen();
    const error = outcome.ok || outcome.error === undefined
      ? null
      : redactText(outcome.error.slice(0, 2000), { secrets: this.config.secrets, env: NO_ENV });
    this.#active.delete(runId);
    this.#buffer.finish({ runId, state: outcome.ok ? 'completed' : 'failed', error, finishedAt: Date.now() });
    await this.#buffer.flush();
  }

  async status(runId: string): Promise<RunStatus | undefined> {
    this.ensureOpen();
    checkName('runId', runId, this.config.secrets);
    await this.#buffer.flush();
    const run = await this.raw.getRun(runId);
    if (!run) return undefined;
    return {
      runId,
      state: run.state,
      attempts: run.attempts,
      steps: await this.raw.countSteps(runId),
      startedAt: new Date(run.startedAt),
      ...(run.finishedAt !== null ? { finishedAt: new Date(run.finishedAt) } : {}),
      ...(run.error !== null ? { error: run.error } : {}),
    };
  }

  async forget(runId: string): Promise<boolean> {
    this.ensureOpen();
    checkName('runId', runId, this.config.secrets);
    this.#buffer.drop(runId);
    this.#active.delete(runId);
    return this.raw.forget(runId);
  }

  /** Writes what is pending, then closes the store if this journal owns it (openJournal; not store.journal()). */
  async close(): Promise<void> {
    await this.#buffer.flush();
    await this.onClose();
  }

  /** The JSON to store for an output; undefined when it must not be stored (it carries a secret). */
  #encode(runId: string, path: string, output: unknown): string | null | undefined {
    // A step that returns nothing is common and replays as undefined.
    if (output === undefined) return null;
    let json: string;
    try {
      assertJson(output, 'output');
      json = stringifyWithLimit(output, 'output', this.config.maxValueBytes);
    } catch (err) {
      if (err instanceof MemoryValueError || err instanceof MemoryValueTooLargeError) {
        throw new JournalOutputError(runId, path, err.message.split(';')[0]!, err);
      }
      throw err;
    }
    if (JSON.stringify(redactJson(output, { secrets: this.config.secrets, env: NO_ENV })) !== json) {
      this.config.logger.warn({ runId, path }, 'step output contains a secret: not journaled, the step will re-run on resume');
      return undefined;
    }
    return json;
  }
}

function decode(json: string | null): unknown {
  return json === null ? undefined : (JSON.parse(json) as Json);
}
