/** The ref to deploy does not exist in the service repository (nothing was changed). */
export class UnknownRefError extends Error {
  override readonly name = 'UnknownRefError';
  constructor(readonly ref: string) {
    super(`no commit for ref '${ref}' in the service repository (a branch, tag or commit sha)`);
  }
}

/** A rollback has nothing to go back to, or `to` names no known release. Nothing was changed. */
export class RollbackTargetError extends Error {
  override readonly name = 'RollbackTargetError';
}

/** The deployer was stopped; no more rollouts. */
export class DeployerStoppedError extends Error {
  override readonly name = 'DeployerStoppedError';
  constructor() {
    super('the deployer has been stopped');
  }
}

/**
 * An idempotency key was used again for another action or other arguments (another ref, another rollback
 * target, maintenance on vs off). Nothing was changed: give the new action a new key.
 */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(readonly key: string, readonly recorded: string, readonly requested: string) {
    super(`idempotency key '${key}' was already used for ${recorded}; this call asks for ${requested}. Nothing was changed: use a new key for a different action`);
  }
}

/** An idempotency key that breaks the rule (1-200 characters from A-Z a-z 0-9 . _ : / @ + -). Nothing was changed. */
export class InvalidIdempotencyKeyError extends Error {
  override readonly name = 'InvalidIdempotencyKeyError';
  constructor(where: string) {
    super(`invalid idempotency key in ${where}: use 1-200 characters from A-Z a-z 0-9 . _ : / @ + -`);
  }
}

/** The deployer's idempotency-key file cannot be read (not JSON, or not the expected shape). Nothing was changed. */
export class IdempotencyStoreError extends Error {
  override readonly name = 'IdempotencyStoreError';
  constructor(readonly file: string, detail: string) {
    super(`cannot read the deployer's idempotency keys from ${file}: ${detail}. Fix or remove the file (removing it forgets which keyed deploys already ran)`);
  }
}
