import { z } from 'zod';

/**
 * The optional `idempotencyKey` argument of every write tool. firebreak's run journal gives each
 * side-effecting step a stable key, so a step replayed after a crash does not open a second PR.
 */
export const idempotencyKeyArg = z
  .string()
  .regex(/^[A-Za-z0-9._:/@+-]{1,200}$/, 'use 1-200 characters from A-Z a-z 0-9 . _ : / @ + -')
  .optional()
  .describe('Stable key for this side effect: repeating a call with the same key returns the first result instead of acting twice');

/** The marker stored in PR, issue and comment bodies, so a key survives a server restart. */
export const bodyMarker = (key: string): string => `<!-- firebreak-idempotency-key: ${key} -->`;

/** Appends the marker to a body (bodies are Markdown; an HTML comment renders as nothing). */
export function withBodyMarker(body: string | undefined, key: string | undefined): string | undefined {
  if (!key) return body;
  return body ? `${body}\n\n${bodyMarker(key)}` : bodyMarker(key);
}

export const hasBodyMarker = (body: string | null | undefined, key: string): boolean => !!body?.includes(bodyMarker(key));

/** The commit-message trailer used for commits (git trailers survive rebase and squash). */
export const commitTrailer = (key: string): string => `Firebreak-Idempotency-Key: ${key}`;

export function withCommitTrailer(message: string, key: string | undefined): string {
  return key ? `${message.trimEnd()}\n\n${commitTrailer(key)}` : message;
}

export const hasCommitTrailer = (message: string, key: string): boolean => message.split('\n').some((line) => line.trim() === commitTrailer(key));

/** An idempotent call's outcome; `replayed` says the side effect had already happened. */
export interface Once<T> {
  readonly value: T;
  readonly replayed: boolean;
}

const MAX_ENTRIES = 1000;

/**
 * Remembers the results of keyed writes. The memory is a fast path and a guard against concurrent
 * duplicates; durability comes from `find`, which looks for the side effect on GitHub itself.
 * Share one cache between all sessions of a server.
 */
export class IdempotencyCache {
  readonly #done = new Map<string, unknown>();
  readonly #inFlight = new Map<string, Promise<Once<unknown>>>();

  /**
   * Runs `create` at most once per (tool, key): returns a remembered result, else what `find` discovers
   * on GitHub, else creates. Without a key it just creates.
   */
  async once<T>(tool: string, key: string | undefined, find: () => Promise<T | undefined>, create: () => Promise<T>): Promise<Once<T>> {
    if (!key) return { value: await create(), replayed: false };
    const id = `${tool}\0${key}`;
    if (this.#done.has(id)) return { value: this.#done.get(id) as T, replayed: true };
    const pending = this.#inFlight.get(id);
    if (pending) return { value: (await pending).value as T, replayed: true };
    const attempt = (async (): Promise<Once<T>> => {
      const found = await find();
      const result = found !== undefined ? { value: found, replayed: true } : { value: await create(), replayed: false };
      this.#remember(id, result.value);
      return result;
    })();
    this.#inFlight.set(id, attempt);
    try {
      return await attempt;
    } finally {
      this.#inFlight.delete(id);
    }
  }

  #remember(id: string, value: unknown): void {
    if (this.#done.size >= MAX_ENTRIES) {
      const oldest = this.#done.keys().next().value;
      if (oldest !== undefined) this.#done.delete(oldest);
    }
    this.#done.set(id, value);
  }
}
