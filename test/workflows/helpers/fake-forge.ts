import type { ToolResult, ToolSet, ToolSpec } from '../../../src/tools/types.js';

/**
 * A tiny in-memory GitHub for guard unit tests: branches of commits, answering the github.* tools the guards
 * use in the shapes src/tools/servers/github returns (`list_commits` -> `{ commits }`, `get_commit` ->
 * `{ sha, files: [{ filename }] }`, `get_file_contents` -> `{ type: 'file', path, content }`). Records calls.
 */
export interface FakeForge extends ToolSet {
  calls: { name: string; args: Record<string, unknown> }[];
  /** Commits to a branch directly (as an earlier process would have): the guard does not see it. null deletes a file. */
  commit(branch: string, files: Record<string, string | null>): string;
}

interface Commit {
  sha: string;
  /** The whole tree after the commit. */
  tree: Record<string, string>;
  changed: string[];
}

const ok = (data: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data });
const fail = (text: string): ToolResult => ({ content: [{ type: 'text', text }], isError: true });
const spec = (name: string): ToolSpec => ({ name, description: name, inputSchema: { type: 'object' } });

/**
 * `files`: the base branch's tree. `commitTools: false` leaves out list_commits and get_commit (an older
 * GitHub server); `failing` names tools that answer with an error.
 */
export function fakeForge(files: Record<string, string>, o: { base?: string; commitTools?: boolean; failing?: string[] } = {}): FakeForge {
  const base = o.base ?? 'main';
  const branches = new Map<string, Commit[]>([[base, [{ sha: 'base0000', tree: { ...files }, changed: Object.keys(files) }]]]);
  const calls: FakeForge['calls'] = [];
  let n = 0;

  const commit = (branch: string, changes: Record<string, string | null>): string => {
    const list = branches.get(branch) ?? [...branches.get(base)!];
    const tree = { ...list[0]!.tree };
    for (const [raw, content] of Object.entries(changes)) {
      const path = raw.replace(/^\/+/, ''); // as the GitHub server does
      if (content === null) delete tree[path];
      else tree[path] = content;
    }
    const c = { sha: `c${String(++n).padStart(7, '0')}`, tree, changed: Object.keys(changes).map((p) => p.replace(/^\/+/, '')) };
    branches.set(branch, [c, ...list]);
    return c.sha;
  };
  const at = (ref: string): Commit | undefined => branches.get(ref)?.[0] ?? [...branches.values()].flat().find((c) => c.sha === ref);

  const handlers: Record<string, (a: Record<string, unknown>) => ToolResult> = {
    'github.push_files': (a) => ok({ commit: { sha: commit(String(a.branch), Object.fromEntries((a.files as { path: string; content: string }[]).map((f) => [f.path, f.content]))) } }),
    'github.create_or_update_file': (a) => ok({ commit: { sha: commit(String(a.branch), { [String(a.path)]: String(a.content) }) } }),
    'github.get_file_contents': (a) => {
      const content = at(String(a.ref))?.tree[String(a.path)];
      return content === undefined ? fail(`404 Not Found: ${String(a.path)}@${String(a.ref)}`) : ok({ type: 'file', path: a.path, content, encoding: 'utf-8' });
    },
    'github.create_pull_request': (a) => ok({ number: 7, html_url: 'https://forge/acme/api/pull/7', head: a.head, base: a.base }),
    ...(o.commitTools === false ? {} : {
      'github.list_commits': (a: Record<string, unknown>) => {
        const list = branches.get(String(a.sha));
        return list ? ok({ commits: list.slice(0, Number(a.perPage ?? 30)).map((c) => ({ sha: c.sha, message: 'm' })) }) : fail(`404 No commit found for SHA: ${String(a.sha)}`);
      },
      'github.get_commit': (a: Record<string, unknown>) => {
        const c = at(String(a.sha));
        return c ? ok({ sha: c.sha, message: 'm', files: c.changed.map((filename) => ({ filename, status: 'modified' })) }) : fail('404');
      },
    }),
  };

  return {
    calls,
    commit,
    list: () => Object.keys(handlers).map(spec),
    async call(name, args) {
      calls.push({ name, args });
      if (o.failing?.includes(name)) return fail(`${name}: 502 Bad Gateway`);
      const h = handlers[name];
      return h ? h(args) : fail(`unknown tool ${name}`);
    },
  };
}
