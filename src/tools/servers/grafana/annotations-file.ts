import { randomInt } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AnnotationInput } from './grafana-api.js';

export interface StoredAnnotation extends AnnotationInput {
  id: number;
  time: number;
  createdAt: string;
  idempotencyKey?: string;
}

/**
 * Annotations without Grafana: one JSON object per line in a local file, so a drill report (or a human
 * with `tail -f`) sees what the personas marked on the incident timeline. Appends are serialised within
 * the process so concurrent calls never interleave lines.
 */
export class FileAnnotationStore {
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Appends an annotation; with an idempotency key already in the file, returns that one instead. */
  add(input: AnnotationInput, idempotencyKey?: string): Promise<{ annotation: StoredAnnotation; created: boolean }> {
    const task = this.#queue.then(async () => {
      if (idempotencyKey) {
        const existing = (await this.list()).find((a) => a.idempotencyKey === idempotencyKey);
        if (existing) return { annotation: existing, created: false };
      }
      const annotation: StoredAnnotation = {
        ...input,
        id: Date.now() * 1_000 + randomInt(1_000),
        time: input.time ?? Date.now(),
        createdAt: new Date().toISOString(),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      };
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, JSON.stringify(annotation) + '\n', 'utf8');
      return { annotation, created: true };
    });
    this.#queue = task.catch(() => undefined);
    return task;
  }

  /** Every annotation in the file (lines that are not valid JSON are skipped). */
  async list(): Promise<StoredAnnotation[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredAnnotation[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line) as StoredAnnotation);
      } catch {
        // a torn or foreign line: skip it rather than fail every call
      }
    }
    return out;
  }
}
