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
