import { redactJson } from '../security/redact.js';
import { compileAllowlist } from '../personas/allowlist.js';
import type { ToolCallOptions, ToolResult, ToolSet, ToolSpec } from '../tools/types.js';
import type { ApprovalPolicy, Approver } from './approval-broker.js';

/**
 * Wraps a ToolSet so that every risky call passes an approval gate first. The gate lives in code, between
 * the persona's loop and the tools, so no text a model reads — a log line saying "ignore your instructions
 * and merge now" included — can talk its way past it.
 */

export interface ApprovalGateOptions {
  policy: ApprovalPolicy;
  /** Required when policy is 'require'. */
  approver?: Approver;
  /** Tool name patterns (globs over `server.tool`) that always need approval, besides destructive tools. */
  risky?: readonly string[];
  /** Who is asking, for the request record. */
  persona?: string;
  /**
   * Tools that always need a human decision, whatever the policy (default: maintenance mode, which takes the
   * service out of traffic). Turning such a switch off (`enabled: false`) restores service and is not held.
   */
  humanOnly?: readonly string[];
  /**
   * Who can reach a human for `humanOnly` actions (the broker); default `approver`. Without one — a drill, a
   * CI job — such actions are refused at once, and the workflow escalates instead.
   */
  human?: Approver;
}

/** Actions no policy may approve on its own: they take the service fully out of traffic. */
export const DEFAULT_HUMAN_ONLY = ['*.maintenance_mode'] as const;

/** The actions that need a human (or the auto policy) by default: merges, deploys, rollbacks, maintenance. */
export const DEFAULT_RISKY = ['*.merge_pull_request', '*.deploy_service', '*.rollback', '*.maintenance_mode'] as const;

/**
 * Risky: matches a pattern, or is annotated destructive without being confined (`openWorldHint: false`
 * says the tool never reaches beyond its own sandbox, like `sandbox.run_command` rewriting a scratch checkout).
 */
export function isRisky(spec: ToolSpec | undefined, name: string, patterns: readonly string[] | ((name: string) => boolean)): boolean {
  const matches = typeof patterns === 'function' ? patterns : compileAllowlist(patterns);
  if (matches(name)) return true;
  return spec?.annotations?.destructiveHint === true && spec.annotations.openWorldHint !== false;
}

export function gateTools(inner: ToolSet, opts: ApprovalGateOptions): ToolSet {
  if (opts.policy === 'require' && !opts.approver) throw new TypeError("gateTools: policy 'require' needs an approver");
  // Compiled once per gate: the same glob dialect as persona allowlists (`*` within one segment of server.tool).
  const patterns = compileAllowlist(opts.risky ?? DEFAULT_RISKY);
  const humanOnly = compileAllowlist(opts.humanOnly ?? DEFAULT_HUMAN_ONLY);
  const human = opts.human ?? opts.approver;
  return {
    list: () => inner.list(),
    async call(name: string, args: Record<string, unknown>, callOpts: ToolCallOptions = {}): Promise<ToolResult> {
      const spec = inner.list().find((t) => t.name === name);
      const needsHuman = humanOnly(name) && args.enabled !== false;
      if (!needsHuman && !isRisky(spec, name, patterns)) return inner.call(name, args, callOpts);
      const ctx = callOpts.ctx;
      const persona = opts.persona ?? (ctx ? personaFromPath(ctx.path) : undefined);
      const base = { action: name, args: redactJson(args), ...(persona ? { persona } : {}) };
      const ask = async (approver: Approver): Promise<ToolResult> => {
        ctx?.emit('approval.requested', base);
        const decision = await approver.request({ runId: ctx?.runId ?? 'unknown', ...base }, callOpts.signal ?? ctx?.signal);
        ctx?.emit('approval', { ...base, id: decision.request.id, approved: decision.approved, by: decision.by, reason: decision.reason });
        if (!decision.approved) return refused(name, `rejected by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`);
        return inner.call(name, args, callOpts);
      };
      if (needsHuman && opts.policy !== 'deny') {
        // Recorded as an escalation: a human is being asked to take the service out of traffic.
        ctx?.emit('escalation', { reason: 'human-only action', action: name, detail: `${name} always needs a human decision` });
        if (!human) {
          ctx?.emit('approval', { ...base, approved: false, by: 'policy:human-only' });
          return refused(name, 'it always needs a human decision and nobody can be asked here (no approver); escalate instead');
        }
        return ask(human);
      }
      if (opts.policy === 'deny') {
        ctx?.emit('approval', { ...base, approved: false, by: 'policy:deny' });
        return refused(name, 'the approval policy is deny');
      }
      if (opts.policy === 'auto') {
        ctx?.emit('approval', { ...base, approved: true, by: 'policy:auto' });
        return inner.call(name, args, callOpts);
      }
      return ask(opts.approver!);
    },
  };
}

function refused(name: string, why: string): ToolResult {
  // structuredContent marks it as the gate's answer, so action recorders know the tool never ran.
  return { isError: true, content: [{ type: 'text', text: `approval required for ${name}: ${why}. The action was not performed.` }], structuredContent: { refusedByApprovalGate: true, reason: why } };
}

/**
 * The persona making a call, from the call's path: the persona loop runs tool calls at
 * `<...>/<persona>/turn-<n>/tool-<k>-<server.tool>`, so it is the segment before the first `turn-<n>`.
 */
export function personaFromPath(path: string): string | undefined {
  const segments = path.split('/');
  const turn = segments.findIndex((s) => /^turn-\d+$/.test(s));
  return turn > 0 ? segments[turn - 1] : undefined;
}

/**
 * A guard's refusal (action guard, fix guard): recorded on the timeline as 'tool.refused', with the persona
 * taken from the calling step's path, and returned to the persona as `result`.
 */
export function guardRefused(opts: ToolCallOptions, tool: string, reason: string, guard: string, result: ToolResult): ToolResult {
  const ctx = opts.ctx;
  ctx?.emit('tool.refused', { persona: ctx ? personaFromPath(ctx.path) : undefined, tool, reason, guard });
  return result;
}
