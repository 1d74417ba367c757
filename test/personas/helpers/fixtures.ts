import { z } from 'zod';
import type { ContextMemory, RunJournal, StepEvent } from '../../../src/primitives/index.js';

/** The observability-style answer used across persona tests. */
export const assessment = z.object({
  severity: z.enum(['p0', 'p1', 'p2', 'p3']),
  summary: z.string().min(1),
  errorRate: z.number(),
});

export const incident = { alert: 'APIErrorRateHigh', service: 'api', endpoint: '/api/workflows/execute' };

/** A ContextMemory backed by a Map, to observe what personas write. */
export function memoryRecorder(): ContextMemory & { values: Map<string, unknown>; log: unknown[] } {
  const values = new Map<string, unknown>();
  const log: unknown[] = [];
  return {
    namespace: 'test',
    values,
    log,
    async get(key) {
      return values.get(key);
    },
    async put(key, value) {
      values.set(key, structuredClone(value));
    },
    async append(event) {
      log.push(structuredClone(event));
      return { seq: log.length };
    },
  };
}

/** A RunJournal in memory (JSON round trip, like a real store), shared across runs to test resume. */
export function memoryJournal(): RunJournal & { entries: Map<string, unknown> } {
  const entries = new Map<string, unknown>();
  return {
    entries,
    async begin() {},
    async lookup(runId, path) {
      const key = `${runId}|${path}`;
      return entries.has(key) ? { output: JSON.parse(JSON.stringify(entries.get(key))) as unknown } : undefined;
    },
    async record(runId, path, output) {
      entries.set(`${runId}|${path}`, JSON.parse(JSON.stringify(output ?? null)) as unknown);
    },
  };
}

export function customEvents(events: StepEvent[], name: string): Record<string, unknown>[] {
  return events.flatMap((e) => (e.type === 'custom' && e.name === name ? [e.data] : []));
}

import { pino } from 'pino';
/** Keeps expected failures out of the test output. */
export const quiet = pino({ level: 'silent' });
