import { DBOS } from '@dbos-inc/dbos-sdk';
import type { AnyStep, RunJournal } from '../../primitives/index.js';
import { WorkflowChangedError } from '../errors.js';
import { structureFingerprint } from '../fingerprint.js';

/** What the journal needs to know about a workflow's recorded DBOS steps (DBOSClient.listWorkflowSteps). */
export type RecordedStep = { readonly functionID: number; readonly name: string; readonly error?: unknown };
export type StepLister = (workflowId: string) => Promise<readonly RecordedStep[] | undefined>;

/** Reserved step names; a firebreak path never starts with '/'. */
export const STRUCTURE_STEP = '/firebreak/structure';
export const GAP_STEP = '/firebreak/gap';

/**
 * The core's RunJournal on DBOS steps: every journaled firebreak step (each non-transparent, durable step —
 * persona turns, tool calls, side effects) is checkpointed as one DBOS step named by its path, so a
 * recovered workflow returns recorded outputs instead of repeating the work.
 *
 * Why not run each firebreak step INSIDE DBOS.runStep: DBOS steps cannot nest (a step's children would not
 * be checkpointed), and DBOS identifies steps by call order, which parallel branches make timing-dependent.
 * So the step's code runs in the workflow, and only its OUTPUT is recorded, as a DBOS step, when it
 * completes. Replay is by path, not by order: `begin` reads the workflow's recorded steps (through a
 * DBOSClient, outside the workflow's own step sequence), re-issues them in recorded order so DBOS's step
 * counter continues after them (filling ids left unrecorded by a crash with a gap marker), and answers
 * `lookup` from that map. New records then append after every recorded id, whatever order branches finish in.
 *
 * One instance per workflow execution; it must be used inside the DBOS workflow function.
 */
export class DbosStepJournal implements RunJournal {
  readonly #outputs = new Map<string, unknown>();

  constructor(private readonly listSteps: StepLister, private readonly workflow: string) {}

  async begin(runId: string, root: AnyStep): Promise<void> {
    const recorded = (await this.listSteps(runId)) ?? [];
    if (recorded.length > 0) await this.#replay(recorded);
    const fingerprint = structureFingerprint(root);
    const prior = this.#outputs.get(STRUCTURE_STEP);
    if (prior === undefined) {
      this.#outputs.set(STRUCTURE_STEP, fingerprint);
      await DBOS.runStep(async () => fingerprint, { name: STRUCTURE_STEP });
    } else if (prior !== fingerprint) {
      throw new WorkflowChangedError(runId, this.workflow);
    }
  }

  async lookup(_runId: string, path: string): Promise<{ output: unknown } | undefined> {
    return this.#outputs.has(path) ? { output: this.#outputs.get(path) } : undefined;
  }

  async record(_runId: string, path: string, output: unknown): Promise<void> {
    // Set before awaiting: a concurrent second completion of the same path must not record it twice.
    if (this.#outputs.has(path)) return;
    this.#outputs.set(path, output);
    await DBOS.runStep(async () => output, { name: path });
  }

  /** Replays the recorded steps in function-id order; DBOS returns each recorded output without running anything. */
  async #replay(recorded: readonly RecordedStep[]): Promise<void> {
    const byId = new Map(recorded.map((s) => [s.functionID, s]));
    const last = Math.max(...byId.keys());
    const pending: Promise<void>[] = [];
    // Issued synchronously in id order: DBOS assigns the function id at the call, before its first await.
    for (let id = 0; id <= last; id++) {
      const step = byId.get(id);
      if (step === undefined) {
        // An id consumed by a step that never recorded (a parallel branch cut off by the crash): claim it so
        // later records do not collide with the recorded ids after it.
        pending.push(DBOS.runStep(async () => null, { name: GAP_STEP }).then(() => undefined));
        continue;
      }
      const replayed = DBOS.runStep(async () => undefined, { name: step.name });
      if (step.error !== undefined && step.error !== null) {
        // A recorded failure (a DBOS step some user code ran itself) is no firebreak output: DBOS rethrows it.
        pending.push(replayed.then(() => undefined, () => undefined));
      } else if (step.name === GAP_STEP) {
        pending.push(replayed.then(() => undefined));
      } else {
        pending.push(replayed.then((output) => void this.#outputs.set(step.name, output)));
      }
    }
    await Promise.all(pending);
  }
}
