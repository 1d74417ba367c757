import type { ToolCallOptions, ToolResult, ToolSet } from '../tools/types.js';
import { toolData } from './tool-data.js';
import { globToRegExp } from '../personas/allowlist.js';

/**
 * Turns the side effects that tools report into 'action' events of the run — pull requests, merges, deploys,
 * rollbacks, maintenance switches, tickets — with the references the tools returned (PR URL, merge sha,
 * rollout). The incident record and the post-mortem list them; nothing is inferred from a model's words.
 */

interface ActionRule {
  pattern: string;
  kind: string;
  /** Deploys and rollbacks happened even when they failed: record those too. */
  recordFailures?: boolean;
  describe(data: Record<string, unknown>, args: Record<string, unknown>): { ref: string; data: Record<string, unknown> } | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

const RULES: ActionRule[] = [
  { pattern: '*.create_pull_request', kind: 'pull_request', describe: (d) => ({ ref: str(d.html_url) ?? `#${str(d.number)}`, data: { number: d.number, url: d.html_url, head: obj(d.head).ref ?? d.head } }) },
  { pattern: '*.merge_pull_request', kind: 'merge', describe: (d, a) => ({ ref: str(d.sha) ?? '', data: { pullNumber: a.pullNumber, sha: d.sha } }) },
  { pattern: '*.create_branch', kind: 'branch', describe: (d, a) => ({ ref: str(d.ref) ?? str(a.branch) ?? '', data: { branch: a.branch } }) },
  { pattern: '*.push_files', kind: 'commit', describe: (d, a) => ({ ref: str(obj(d.commit).sha) ?? str(obj(d.object).sha) ?? '', data: { branch: a.branch, files: Array.isArray(a.files) ? a.files.map((f) => obj(f).path) : [] } }) },
  { pattern: '*.create_or_update_file', kind: 'commit', describe: (d, a) => ({ ref: str(obj(d.commit).sha) ?? '', data: { branch: a.branch, files: [a.path] } }) },
  { pattern: '*.issue_write', kind: 'ticket', describe: (d, a) => (a.method === 'create' ? { ref: str(d.html_url) ?? `#${str(d.number)}`, data: { number: d.number, url: d.html_url } } : undefined) },
  { pattern: '*.deploy_service', kind: 'deploy', recordFailures: true, describe: (d, a) => rollout(d, a) },
  { pattern: '*.rollback', kind: 'rollback', recordFailures: true, describe: (d, a) => rollout(d, a) },
  { pattern: '*.maintenance_mode', kind: 'maintenance', describe: (d, a) => {
    const enabled = a.enabled ?? obj(d.maintenance).enabled;
    return { ref: enabled === true ? 'on' : 'off', data: { enabled, state: d.maintenance } };
  } },
];

function rollout(d: Record<string, unknown>, a: Record<string, unknown>): { ref: string; data: Record<string, unknown> } {
  const r = obj(d.rollout);
  return {
    ref: str(r.ref) ?? str(a.ref) ?? str(a.to) ?? '',
    data: { revision: r.revision, releaseId: r.releaseId, outcome: r.outcome ?? 'unknown', ...(r.error ? { error: r.error } : {}), ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}) },
  };
}

const COMPILED = RULES.map((r) => ({ ...r, re: globToRegExp(r.pattern) }));

/**
 * The side effect a tool call reported, as action event data (`{ kind, tool, ref, ok, ... }`), or undefined
 * for calls that change nothing worth recording (reads, refusals by the approval gate, failed merges).
 * `args` may be empty (a result replayed from the journal): every rule can describe itself from the result.
 */
export function actionOf(name: string, args: Record<string, unknown>, result: ToolResult): Record<string, unknown> | undefined {
  const rule = COMPILED.find((r) => r.re.test(name));
  if (!rule || result.structuredContent?.refusedByApprovalGate === true) return undefined;
  if (result.isError === true && !rule.recordFailures) return undefined;
  const described = rule.describe(toolData(result), args);
  return described ? { kind: rule.kind, tool: name, ref: described.ref, ok: result.isError !== true, ...described.data } : undefined;
}

/** Wraps a ToolSet so that each side effect a tool reports becomes an 'action' event on the caller's ctx. */
export function recordActions(inner: ToolSet): ToolSet {
  return {
    list: () => inner.list(),
    async call(name: string, args: Record<string, unknown>, opts: ToolCallOptions = {}): Promise<ToolResult> {
      const result = await inner.call(name, args, opts);
      const action = opts.ctx ? actionOf(name, args ?? {}, result) : undefined;
      if (action) opts.ctx!.emit('action', action);
      return result;
    },
  };
}

/**
 * The side effects a step's journaled output attests, for a step replayed on resume whose events a crash
 * kept out of the stored record: a tool result (named by its path), a devops action, a fix with a pull
 * request, or a whole stage's state (fix, devops actions, ticket).
 */
export function actionsOfOutput(path: string, output: unknown): Record<string, unknown>[] {
  if (output === null || typeof output !== 'object') return [];
  const o = output as Record<string, unknown>;
  const tool = /\/tool-\d+-([^/]+)$/.exec(path)?.[1];
  if (tool && Array.isArray(o.content)) {
    const a = actionOf(tool, {}, o as unknown as ToolResult);
    return a ? [a] : [];
  }
  const out: Record<string, unknown>[] = [];
  const devopsAction = (d: Record<string, unknown>): void => {
    if (typeof d.action === 'string' && (d.status === 'succeeded' || d.status === 'failed') && typeof d.ref === 'string' && d.ref !== '') {
      const kind = d.action === 'maintenance' ? 'maintenance' : d.action;
      out.push({ kind, ref: kind === 'maintenance' ? 'on' : d.ref, ok: d.status === 'succeeded' });
    }
  };
  const fix = (f: Record<string, unknown>): void => {
    const pr = obj(f.pullRequest);
    if (typeof pr.url === 'string') out.push({ kind: 'pull_request', ref: pr.url, ok: true, number: pr.number, url: pr.url });
  };
  devopsAction(o);
  if (o.pullRequest !== undefined && o.fixDesign !== undefined) fix(o);
  if (o.incident !== undefined) {
    if (o.fix) fix(obj(o.fix));
    for (const a of Array.isArray(obj(o.devops).actions) ? (obj(o.devops).actions as Record<string, unknown>[]) : []) devopsAction(a);
    const t = obj(o.ticket);
    if (typeof t.url === 'string' && t.url) out.push({ kind: 'ticket', ref: t.url, ok: true, number: t.number });
  }
  if (o.action !== undefined && o.verification !== undefined) devopsAction(obj(o.action));
  return out;
}
