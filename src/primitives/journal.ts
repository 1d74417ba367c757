import type { AnyStep } from './types.js';

/**
 * What the runner needs from a durable run journal (implemented by the memory module's stores). The runner
 * consults it for every non-transparent, durable step: a recorded output is returned without running the step.
 */
export interface RunJournal {
  /** Called once before the root step runs; throws if `root`'s structure differs from the journal's record. */
  begin(runId: string, root: AnyStep): Promise<void>;
  lookup(runId: string, path: string): Promise<{ output: unknown } | undefined>;
  record(runId: string, path: string, output: unknown): Promise<void>;
  /** Called when the root step completes (`ok`) or fails, so a finished run can be told from a crashed one. */
  finish?(runId: string, outcome: { ok: boolean; error?: string }): Promise<void>;
}
