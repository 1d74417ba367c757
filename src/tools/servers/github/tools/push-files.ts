import type { Octokit } from 'octokit';
import { GithubToolInputError, statusOf } from '../errors.js';

export interface PushFilesInput {
  readonly owner: string;
  readonly repo: string;
  readonly branch: string;
  readonly message: string;
  readonly files: readonly { readonly path: string; readonly content: string; readonly mode?: '100644' | '100755' | undefined }[];
}

/**
 * Commits several files at once through the git data API (ref -> commit -> tree with base_tree -> commit
 * -> fast-forward ref), as github-mcp-server's push_files does. The ref update is not forced, so a
 * concurrent push makes this fail (422) instead of silently dropping the other commit.
 */
export async function pushFiles(octokit: Octokit, input: PushFilesInput): Promise<Record<string, unknown>> {
  const { owner, repo, branch } = input;
  const gh = octokit.rest.git;
  const ref = await gh.getRef({ owner, repo, ref: `heads/${branch}` }).catch((e: unknown) => {
    if (statusOf(e) === 404) throw new GithubToolInputError(`branch '${branch}' not found; create it first with create_branch`);
    throw e;
  });
  const parent = await gh.getCommit({ owner, repo, commit_sha: ref.data.object.sha });
  const modes = input.files.some((f) => !f.mode) ? await existingModes(octokit, owner, repo, parent.data.tree.sha) : new Map<string, string>();
  const tree = await gh.createTree({
    owner,
    repo,
    base_tree: parent.data.tree.sha,
    tree: input.files.map((f) => ({
      path: f.path.replace(/^\/+/, ''),
      mode: (f.mode ?? (modes.get(f.path.replace(/^\/+/, '')) === '100755' ? '100755' : '100644')) as '100644' | '100755',
      type: 'blob' as const,
      content: f.content,
    })),
  });
  const commit = await gh.createCommit({ owner, repo, message: input.message, tree: tree.data.sha, parents: [parent.data.sha] });
  const updated = await gh.updateRef({ owner, repo, ref: `heads/${branch}`, sha: commit.data.sha, force: false });
  return {
    ref: updated.data.ref,
    object: { type: updated.data.object.type, sha: updated.data.object.sha },
    commit: { sha: commit.data.sha, message: commit.data.message, html_url: commit.data.html_url },
  };
}

// Keeps the executable bit of files being overwritten when the caller gave no mode.
async function existingModes(octokit: Octokit, owner: string, repo: string, treeSha: string): Promise<Map<string, string>> {
  const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: treeSha, recursive: 'true' });
  return new Map(data.tree.filter((e) => e.type === 'blob' && e.path && e.mode).map((e) => [e.path ?? '', e.mode ?? '']));
}
