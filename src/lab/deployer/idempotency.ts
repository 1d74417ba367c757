import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { IdempotencyConflictError, IdempotencyStoreError, InvalidIdempotencyKeyError } from './errors.js';

/** The deployer's actions that take an idempotency key. */
export type KeyedAction = 'deploy' | 'rollback' | 'maintenance';

/** What a key may look like: the github server's rule, so firebreak's `fb-<hex>` keys fit both. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:/@+-]{1,200}$/;

/** The key file's name inside the releases dir (the lab's state for this deployer). */
export const KEYS_FILE = 'idempotency-keys.json';

const MAX_ENTRIES = 1_000;

const entrySchema = z.object({
  key: z.string().regex(IDEMPOTENCY_KEY),
  action: z.enum(['deploy', 'rollback', 'maintenance']),
  args: z.string().max(2_000),
  at: z.string(),
  result: z.record(z.string(), z.unknown()),
});
const fileSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) });
type Entry = z.infer<typeof entrySchema>;

interface Pending {
  readonly action: KeyedAction;
  readonly args: string;
  readonly promise: Promise<{ value: object; replayed: boolean }>;
}

export interface DeployKeysOptions {
  /** JSON file the keys are kept in; undefined keeps them in memory only (lost on restart). */
  readonly file: string | undefined;
  readonly logger: Logger;
  /** Oldest keys are forgotten past this many; default 1,000. */
  readonly maxEntries?: number;
}

/**
 * The keys of a deployer configured with `releasesDir` and `idempotencyFile` (false: memory only; default
 * `<releasesDir>/idempotency-keys.json`).
 */
export function deployKeysFor(options: { releasesDir: string; idempotencyFile?: string | false; logger: Logger }): DeployKeys {
  const file = options.idempotencyFile === false ? undefined : (options.idempotencyFile ?? join(options.releasesDir, KEYS_FILE));
  return new DeployKeys({ file, logger: options.logger });
}

/**
 * Exactly-once deploys, rollbacks and maintenance switches: remembers the outcome of every keyed action so
 * a repeated call (a workflow step re-run after its orchestrator crashed) gets the recorded outcome instead
 * of acting again. A call while the first with the same key is still running waits for it. A key reused for
 * another action or other arguments (another ref, another `to`, maintenance on vs off) throws
 * `IdempotencyConflictError`; `reason` and `trigger` are not compared (a model may word a retry differently).
 *
 * Durability: the rollout history lives in memory (a restarted lab starts from a fresh deploy of main), so
 * the keys are written to their own file — by default `<releasesDir>/idempotency-keys.json` — after each
 * action finishes and before its result is returned. Gotchas: only finished actions are kept, so an action
 * cut short by the deployer's own death runs again under its key (the restarted lab redeployed main anyway);
 * a replay after a restart returns the record from before it, whose rollout id may repeat in the new history.
 * Failures that changed nothing (unknown ref, nothing to roll back to) are not kept: the key may try again.
 */
export class DeployKeys {
  readonly #file: string | undefined;
  readonly #logger: Logger;
  readonly #max: number;
  readonly #inFlight = new Map<string, Pending>();
  #done: Map<string, Entry> | undefined;
  #loading: Promise<Map<string, Entry>> | undefined;
  #writes: Promise<void> = Promise.resolve();

  constructor(options: DeployKeysOptions) {
    this.#file = options.file;
    this.#logger = options.logger;
    this.#max = options.maxEntries ?? MAX_ENTRIES;
  }

  /**
   * Runs `act` at most once per key; `args` identify the action (compared on reuse). Without a key it just
   * runs. Returns the value and whether it was replayed (recorded earlier, or the outcome of a call in flight).
   */
  async once<T extends object>(action: KeyedAction, key: string | undefined, args: Record<string, string | boolean | null>, act: () => Promise<T>): Promise<{ value: T; replayed: boolean }> {
    if (key === undefined) return { value: await act(), replayed: false };
    if (!IDEMPOTENCY_KEY.test(key)) throw new InvalidIdempotencyKeyError('the idempotencyKey argument');
    const fingerprint = canonical(args);
    const pending = this.#inFlight.get(key);
    if (pending) {
      check(key, pending, action, fingerprint);
      this.#logger.info({ action, idempotencyKey: key }, 'waiting for the call in flight with the same idempotency key');
      return { value: (await pending.promise).value as T, replayed: true };
    }
    // Registered before the first await, so a concurrent call with the same key finds it.
    const promise = this.#run(action, key, fingerprint, act);
    this.#inFlight.set(key, { action, args: fingerprint, promise });
    try {
      return (await promise) as { value: T; replayed: boolean };
    } finally {
      this.#inFlight.delete(key);
    }
  }

  async #run(action: KeyedAction, key: string, fingerprint: string, act: () => Promise<object>): Promise<{ value: object; replayed: boolean }> {
    const done = await this.#load();
    const entry = done.get(key);
    if (entry) {
      check(key, entry, action, fingerprint);
      this.#logger.info({ action, idempotencyKey: key, recordedAt: entry.at }, 'idempotent replay: returning the recorded outcome');
      return { value: entry.result, replayed: true };
    }
    const value = await act();
    // Stored without a replay mark of its own: the mark belongs to the answer, not to the record.
    const { replayed: _mark, ...result } = value as Record<string, unknown>;
    done.set(key, { key, action, args: fingerprint, at: new Date().toISOString(), result: JSON.parse(JSON.stringify(result)) as Record<string, unknown> });
    while (done.size > this.#max) done.delete(done.keys().next().value as string);
    await this.#persist(done);
    return { value, replayed: false };
  }

  #load(): Promise<Map<string, Entry>> {
    if (this.#done) return Promise.resolve(this.#done);
    this.#loading ??= this.#read().then(
      (map) => (this.#done = map),
      (err: unknown) => {
        this.#loading = undefined;
        throw err;
      },
    );
    return this.#loading;
  }

  async #read(): Promise<Map<string, Entry>> {
    const map = new Map<string, Entry>();
    if (this.#file === undefined) return map;
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return map;
      throw new IdempotencyStoreError(this.#file, (err as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new IdempotencyStoreError(this.#file, `not JSON (${(err as Error).message})`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) throw new IdempotencyStoreError(this.#file, parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).slice(0, 3).join('; '));
    for (const entry of parsed.data.entries) map.set(entry.key, entry);
    return map;
  }

  /** Writes every key (write to a temp file, then rename: a crash leaves the old or the new file, never half). */
  #persist(done: Map<string, Entry>): Promise<void> {
    const file = this.#file;
    if (file === undefined) return Promise.resolve();
    const write = async (): Promise<void> => {
      const tmp = `${file}.${process.pid}.tmp`;
      await mkdir(dirname(file), { recursive: true });
      await writeFile(tmp, JSON.stringify({ version: 1, entries: [...done.values()] }));
      await rename(tmp, file);
    };
    // Serialized; a failed write is logged, not thrown: the action happened, and the key still holds in memory.
    this.#writes = this.#writes.then(write).catch((err: unknown) => this.#logger.warn({ err, file }, 'could not persist the deployer idempotency keys (they hold until a restart)'));
    return this.#writes;
  }
}

/** Same action, same arguments: else the key is being reused for something else. */
function check(key: string, recorded: { action: KeyedAction; args: string }, action: KeyedAction, args: string): void {
  if (recorded.action !== action || recorded.args !== args) throw new IdempotencyConflictError(key, `${recorded.action} ${recorded.args}`, `${action} ${args}`);
}

/** JSON with sorted keys, so `{ ref, to }` compares equal whatever the order. */
function canonical(args: Record<string, string | boolean | null>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(args).sort(([a], [b]) => a.localeCompare(b))));
}
