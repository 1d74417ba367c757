/** In-memory records for what GitHub keeps outside git. Git itself holds refs, commits and files. */

export interface PullRecord {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  readonly head: string;
  base: string;
  readonly user: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  /** Tips captured when the PR closes, so a closed PR keeps its shas after its branch moves or goes. */
  frozenHeadSha: string | null;
  frozenBaseSha: string | null;
}

export interface IssueRecord {
  readonly number: number;
  readonly id: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  readonly user: string;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface CommentRecord {
  readonly id: number;
  readonly number: number;
  readonly body: string;
  readonly user: string;
  readonly createdAt: string;
}

export interface StatusRecord {
  readonly id: number;
  readonly sha: string;
  readonly state: 'error' | 'failure' | 'pending' | 'success';
  readonly context: string;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly createdAt: string;
}

export interface CheckRunRecord {
  readonly id: number;
  readonly headSha: string;
  readonly name: string;
  readonly status: 'queued' | 'in_progress' | 'completed';
  readonly conclusion: string | null;
  readonly startedAt: string;
  readonly completedAt: string | null;
}

export interface DispatchRecord {
  readonly workflowId: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly at: string;
}

/** All non-git forge state. Issues and pull requests share one number sequence, as on GitHub. */
export class ForgeState {
  #number = 0;
  #id = 1000;
  readonly pulls = new Map<number, PullRecord>();
  readonly issues = new Map<number, IssueRecord>();
  readonly comments = new Map<number, CommentRecord[]>();
  readonly statuses: StatusRecord[] = [];
  readonly checkRuns: CheckRunRecord[] = [];
  readonly dispatches: DispatchRecord[] = [];

  /** The next issue/pull-request number. */
  nextNumber(): number {
    return ++this.#number;
  }

  /** The next database id (comments, statuses, PR and issue ids). */
  nextId(): number {
    return ++this.#id;
  }
}

/** GitHub's timestamp format: ISO 8601 in UTC without milliseconds. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}
