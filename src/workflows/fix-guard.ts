import { globToRegExp } from '../personas/allowlist.js';
import { guardRefused } from './approval-gate.js';
import type { ToolCallOptions, ToolResult, ToolSet } from '../tools/types.js';
import { describeConfigChanges, fileChanges, type ConfigChange } from './changes.js';

export { fileChanges };
import { toolData } from './tool-data.js';

/**
 * The rules a fix must pass before a pull request is opened — code between the backend persona and the
 * GitHub tools, so no model (playbook or LLM) can talk its way past them:
 *
 * 1. writes go to a branch, never to the base branch (the change is reviewed and merged through the gate);
 * 2. the pull request carries a change: a patch that leaves every file as it is on the base is refused
 *    (`maxAttempts: 3 -> 3` is not a fix);
 * 3. it changes only what the diagnosis implicates: every changed JSON key (or non-JSON file) must fall under
 *    `rootCause.settings` — a diagnosis that implicates nothing cannot be checked, so nothing is changed;
 * 4. its body states the expected effect in numbers (a "## Expected effect" section with a figure), which
 *    verification then measures.
 * A refused call is an error result the persona sees (`refusedByFixGuard`), with what to do instead.
 */

export interface FixGuardOptions {
  /** Settings the diagnosis implicates: dotted keys of JSON config files, or file paths. */
  implicated: readonly string[] | undefined;
  /** The repository's base branch: no direct writes. */
  baseBranch: string | undefined;
  /** The tool reading a file at a ref (default github.get_file_contents). */
  fileTool?: string;
}

/** What a branch changes, read from GitHub itself (not from what this process saw): survives a resumed run. */
const COMMITS_TOOL = 'github.list_commits';
const COMMIT_TOOL = 'github.get_commit';

const PUSH = globToRegExp('*.push_files');
const WRITE_FILE = globToRegExp('*.create_or_update_file');
const OPEN_PR = globToRegExp('*.create_pull_request');

export function guardFixes(inner: ToolSet, opts: FixGuardOptions): ToolSet {
  const fileTool = opts.fileTool ?? 'github.get_file_contents';
  /** What this incident pushed, per `owner/repo@branch`: path -> content. */
  const pushed = new Map<string, Map<string, string>>();
  const key = (a: Record<string, unknown>, branch: unknown): string => `${String(a.owner)}/${String(a.repo)}@${String(branch)}`;

  return {
    list: () => inner.list(),
    async call(name: string, args: Record<string, unknown>, callOpts: ToolCallOptions = {}): Promise<ToolResult> {
      const refuse = (reason: string): ToolResult => refused(callOpts, name, reason, 'fix');
      const isPush = PUSH.test(name);
      const isWrite = WRITE_FILE.test(name);
      if ((isPush || isWrite) && opts.baseBranch !== undefined && args.branch === opts.baseBranch) {
        return refuse(`writes to the base branch '${opts.baseBranch}' are not allowed: push to a hotfix branch and open a pull request`);
      }
      if (OPEN_PR.test(name)) {
        const why = await check(args, callOpts);
        if (why) return refuse(why);
      }
      const result = await inner.call(name, args, callOpts);
      if (!result.isError && (isPush || isWrite)) {
        const files = pushed.get(key(args, args.branch)) ?? new Map<string, string>();
        const list = isPush && Array.isArray(args.files) ? (args.files as { path?: unknown; content?: unknown }[]) : [{ path: args.path, content: args.content }];
        for (const f of list) if (typeof f.path === 'string' && typeof f.content === 'string') files.set(f.path.replace(/^\/+/, ''), f.content);
        pushed.set(key(args, args.branch), files);
      }
      return result;
    },
  };

  async function check(args: Record<string, unknown>, callOpts: ToolCallOptions): Promise<string | undefined> {
    const repoArgs = { owner: args.owner, repo: args.repo };
    const read = async (tool: string, a: Record<string, unknown>): Promise<Record<string, unknown> | undefined> => {
      const r = await inner.call(tool, { ...repoArgs, ...a }, callOpts);
      return r.isError ? undefined : toolData(r);
    };
    // The files the head branch changes: from its commits on GitHub when the tools allow (a resumed run replays
    // its pushes from the journal, so this process may never have seen them), else what was pushed here.
    let paths = await branchFiles(read, String(args.head), String(args.base));
    if (paths === undefined) paths = [...(pushed.get(key(args, args.head))?.keys() ?? [])];
    if (paths.length === 0) return `nothing was pushed to '${String(args.head)}': a pull request must carry the change the diagnosis calls for`;
    const changes: ConfigChange[] = [];
    for (const path of paths) {
      const [before, after] = await Promise.all([args.base, args.head].map(async (ref) => {
        const d = await read(fileTool, { path, ref });
        return d === undefined ? undefined : String(d.content ?? '');
      }));
      changes.push(...(after === undefined ? (before === undefined ? [] : [{ path, before: '(text)', after: '(deleted)' }]) : fileChanges(path, before, after)));
    }
    if (changes.length === 0) return `the patch changes nothing: ${paths.join(', ')} on '${String(args.head)}' equal${paths.length === 1 ? 's' : ''} '${String(args.base)}'. Only open a pull request for a change that does something`;
    const implicated = opts.implicated ?? [];
    if (implicated.length === 0) return `the diagnosis implicates no setting (rootCause.settings is empty), so this change (${describeConfigChanges(changes)}) cannot be checked against it: do not change anything; answer with remedy none and say what you found`;
    const unrelated = changes.filter((c) => !implicated.some((s) => covers(s, c.path)));
    if (unrelated.length > 0) return `the patch changes settings the diagnosis does not implicate: ${describeConfigChanges(unrelated)} (implicated: ${implicated.join(', ')}). Change only those`;
    const effect = expectedEffect(typeof args.body === 'string' ? args.body : '');
    if (effect === undefined || !/\d/.test(effect)) return 'the pull request body must state the expected effect in numbers under "## Expected effect" (e.g. "pool 24 -> 36: 40 req/s x 0.7 s = 28 in flight, 78% of the pool")';
    callOpts.ctx?.emit('fix.checked', { head: args.head, changes: changes.map((c) => ({ path: c.path, before: c.before ?? null, after: c.after ?? null })), implicated: [...implicated] });
    return undefined;
  }
}

/**
 * The files changed by the commits on `head` that `base` does not have, or undefined when the commit tools are
 * missing or fail (the caller then falls back to what it saw pushed).
 */
async function branchFiles(read: (tool: string, args: Record<string, unknown>) => Promise<Record<string, unknown> | undefined>, head: string, base: string): Promise<string[] | undefined> {
  const [h, b] = await Promise.all([read(COMMITS_TOOL, { sha: head, perPage: 30 }), read(COMMITS_TOOL, { sha: base, perPage: 100 })]);
  const shas = (d: Record<string, unknown> | undefined): string[] | undefined => (Array.isArray(d?.commits) ? (d.commits as { sha?: unknown }[]).map((c) => String(c.sha)) : undefined);
  const headShas = shas(h);
  const baseShas = shas(b);
  if (!headShas || !baseShas) return undefined;
  const onBase = new Set(baseShas);
  const own = [];
  for (const sha of headShas) {
    if (onBase.has(sha)) break;
    own.push(sha);
  }
  const files = new Set<string>();
  for (const sha of own) {
    const c = await read(COMMIT_TOOL, { sha, include_diff: false });
    if (!c || !Array.isArray(c.files)) return undefined;
    for (const f of c.files as { filename?: unknown }[]) if (typeof f.filename === 'string') files.add(f.filename);
  }
  return [...files];
}

/**
 * The PR body's statement of the expected effect: the rest of the line that says "Expected effect" (a heading
 * or `Expected effect: ...`) and the lines after it, up to the next markdown heading — so the figures of
 * another section (Testing, Rollback Plan) never stand in for a missing one. Undefined when there is none.
 */
export function expectedEffect(body: string): string | undefined {
  const m = /expected effect\b([^\n]*)((?:\n(?![^\S\n]*#{1,6}\s)[^\n]*)*)/i.exec(body);
  return m ? `${m[1]!}${m[2]!}` : undefined;
}


/** An implicated setting covers itself, everything under it (`pool` covers `pool.size`), or a whole file. */
export function covers(setting: string, changed: string): boolean {
  const s = setting.trim();
  return changed === s || changed.startsWith(`${s}.`) || changed.startsWith(`${s}:`);
}

function refusal(reason: string): ToolResult {
  return { isError: true, content: [{ type: 'text', text: `refused before it reached GitHub: ${reason}.` }], structuredContent: { refusedByFixGuard: true, reason } };
}

/** The refusal as the persona sees it, and as the timeline records it ('tool.refused'). */
function refused(opts: ToolCallOptions, tool: string, reason: string, guard: string): ToolResult {
  return guardRefused(opts, tool, reason, guard, refusal(reason));
}
