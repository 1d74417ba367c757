import type { ForgeEventLog } from './events.js';
import type { Git, GitIdentity } from './git.js';
import type { ForgeState } from './state.js';

/** Runs async tasks one at a time, in arrival order. The forge funnels every write through one. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every previously queued task has settled; resolves or rejects with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/** Everything a route handler needs: the repository, the in-memory state and how to write URLs. */
export interface ForgeContext {
  readonly git: Git;
  readonly state: ForgeState;
  readonly events: ForgeEventLog;
  readonly owner: string;
  readonly repo: string;
  /** The login requests act as (there is one user: the token holder). */
  readonly login: string;
  /** Git identity for commits the forge writes on the user's behalf. */
  readonly identity: GitIdentity;
  readonly defaultBranch: string;
  /** e.g. http://127.0.0.1:PORT */
  readonly apiUrl: string;
  /** e.g. http://127.0.0.1:PORT/repos/OWNER/REPO */
  readonly repoApi: string;
  /** e.g. http://127.0.0.1:PORT/OWNER/REPO (not served; GitHub's html_url equivalent). */
  readonly htmlBase: string;
  /** Serializes every operation that moves a ref or mutates state. */
  readonly writes: SerialQueue;
}

/** The noreply e-mail domain: commits by `login@NOREPLY` are attributed to user `login`, like GitHub's. */
export const NOREPLY_DOMAIN = 'users.noreply.forge.invalid';

/** Git identity of a forge user. */
export function identityOf(login: string): GitIdentity {
  return { name: login, email: `${login}@${NOREPLY_DOMAIN}` };
}
