/**
 * Typed errors of the incident workflow, in one place. Each has a stable `name` (retry predicates and
 * timelines match on it) and a message that says what to do.
 */

/** Stage 3 has nothing to deploy: the backend opened no pull request (its remedy is a rollback, or nothing). */
export class NoFixToDeployError extends Error {
  override readonly name = 'NoFixToDeployError';
  constructor(readonly remedy: string) {
    super(`no fix to deploy: the backend stage proposed ${remedy === 'rollback' ? 'a rollback' : 'no pull request'}`);
  }
}

/**
 * A devops action reported failure (the deploy did not come up, the rollback had no target, ...). Retryable.
 * `detail` is the persona's whole summary, which may quote the deploy tool's stderr/log tail; the message
 * keeps only its first line (capped at 300 characters) — e.g. "deploy of <ref> (<rev>) FAILED: <reason>" —
 * because it is logged at "step failed" and again at "retrying". The tail stays in the rollout record.
 */
export class ActionFailedError extends Error {
  override readonly name = 'ActionFailedError';
  constructor(readonly action: string, readonly detail: string) {
    super(`${action} failed: ${headline(detail)}`);
  }
}

/** The first non-empty line of `text`, whitespace collapsed, at most `max` characters. */
function headline(text: string, max = 300): string {
  const first = (text.split('\n').find((l) => l.trim() !== '') ?? '').replace(/\s+/g, ' ').trim();
  return first.length <= max ? first : `${first.slice(0, max - 1)}…`;
}

/** A devops action was refused (an approval was rejected or timed out): never retried. */
export class ActionRefusedError extends Error {
  override readonly name = 'ActionRefusedError';
  constructor(readonly action: string, readonly detail: string) {
    super(`${action} was not performed: ${detail}`);
  }
}

/** The backend stage found no safe remedy; stage 3 does not act on a guess. */
export class NoRemedyError extends Error {
  override readonly name = 'NoRemedyError';
  constructor(readonly detail: string) {
    super(`no remedy to apply: ${detail}`);
  }
}

/** A stage needs a repository (fix, ticket) and neither the alert nor the configuration names one. */
export class RepositoryUnknownError extends Error {
  override readonly name = 'RepositoryUnknownError';
  constructor(readonly stage: string) {
    super(`${stage}: no repository is known for this service; set "repository" or "services.<name>.repository" in firebreak.config.json, or a "repository" label on the alert`);
  }
}

/** The assessment identified no cause: nothing is changed on a guess; the incident escalates with the evidence. */
export class NoDiagnosisError extends Error {
  override readonly name = 'NoDiagnosisError';
  constructor(readonly assessment: string) {
    super(`the evidence does not identify a cause, so nothing is changed; a human must investigate (assessment: ${assessment})`);
  }
}
