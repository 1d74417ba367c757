import type { Responder, ResponderService } from '../../src/drills/lab-port.js';
import type { Scenario } from '../../src/drills/scenario.js';
import { connectTools } from '../../src/tools/host/index.js';
import type { ServerEntry } from '../../src/tools/host/index.js';
import { resultText, type ToolResult } from '../../src/tools/types.js';
import type { Alert } from '../../src/workflows/alert.js';
import type { IncidentRecord, TimelineEntry } from '../../src/workflows/incident.js';

/**
 * RUNNER TEST RESPONDER — not a persona, not a model, and not how drills are scored in real use.
 *
 * It exists only to exercise the drill runner, and to calibrate scenarios, against a real lab: the test
 * that builds it already knows what to do (the scenario's solution, or a naive remedy that must NOT work)
 * and which diagnosis to report, and the stub carries it out through the lab's real tools (github: branch,
 * commit, PR, merge; deploy: deploy_service, rollback, maintenance_mode). What the stub is handed by the
 * runner — the alert and the MCP config — and everything it sends to or receives from the tools is
 * recorded in `seen`, so a test can check the runner kept it blind.
 */
export interface Seen {
  alerts: Alert[];
  mcpServers: Record<string, unknown>[];
  services: ResponderService[];
  toolArgs: { name: string; args: Record<string, unknown> }[];
  toolResults: ToolResult[];
}

export const newSeen = (): Seen => ({ alerts: [], mcpServers: [], services: [], toolArgs: [], toolResults: [] });

/** One thing the stub does, in order. */
export type StubStep =
  /** Merge `config` over main's service.config.json: branch, commit, PR, merge, deploy main. */
  | { kind: 'config'; config: Record<string, unknown> }
  /** Roll back: to the release live before the fault (the lab's first release), or the deployer's default. */
  | { kind: 'rollback'; to: 'known-good' | 'previous' }
  | { kind: 'maintenance'; enabled: boolean };

export interface StubPlan {
  /** Nothing at all (wait it out, or no action): []. */
  steps: StubStep[];
  /** The diagnosis the stub reports (the test's knowledge, not the stub's discovery); none for no action. */
  diagnosis?: { category: string; component: string };
}

/** What the scenario's `solution` says to do, as stub steps (wait and none: nothing). */
export function solutionPlan(scenario: Scenario): StubPlan {
  const diagnosis = scenario.expected.action === 'none' ? undefined : { category: scenario.expected.category, component: scenario.expected.component };
  const s = scenario.solution;
  if (!s) throw new Error(`${scenario.name} has no solution`);
  const steps: StubStep[] = s.kind === 'config' ? [{ kind: 'config', config: s.config }] : s.kind === 'rollback' ? [{ kind: 'rollback', to: s.to }] : [];
  return { steps, ...(diagnosis ? { diagnosis } : {}) };
}

/** The known fix of a config scenario, applied through the tools (the runner tests' original stub). */
export function knownFixResponder(fix: { config: Record<string, unknown>; diagnosis: { category: string; component: string } }, seen: Seen): Responder {
  return stubResponder({ steps: [{ kind: 'config', config: fix.config }], diagnosis: fix.diagnosis }, seen);
}

export function stubResponder(plan: StubPlan, seen: Seen = newSeen()): Responder {
  return async (alert, lab, signal) => {
    seen.alerts.push(alert);
    seen.mcpServers.push(structuredClone(lab.mcpServers) as Record<string, unknown>);
    seen.services.push(structuredClone(lab.service));
    const startedAt = new Date().toISOString();
    const timeline: TimelineEntry[] = [{ at: startedAt, kind: 'stage', stage: 'runner-stub', summary: 'runner test stub started' }];
    const actions: IncidentRecord['actions'] = [];
    const servers = { github: lab.mcpServers.github, deploy: lab.mcpServers.deploy } as Record<string, ServerEntry>;
    const tools = await connectTools({ mcpServers: servers, callTimeoutMs: 60_000 });
    let toolCalls = 0;
    const call = async (name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> => {
      seen.toolArgs.push({ name, args });
      const result = await tools.call(name, args, { signal });
      seen.toolResults.push(result);
      toolCalls++;
      timeline.push({ at: new Date().toISOString(), kind: 'tool.call', persona: 'runner-stub', summary: `${name}${result.isError ? ' failed' : ''}` });
      if (result.isError) throw new Error(`${name} failed: ${resultText(result)}`);
      return (result.structuredContent ?? JSON.parse(resultText(result))) as Record<string, unknown>;
    };
    const [owner, repo] = lab.service.repository.split('/');
    let branches = 0;
    try {
      for (const step of plan.steps) {
        const at = (): string => new Date().toISOString();
        if (step.kind === 'config') {
          const branch = `hotfix/config-${++branches}`;
          const file = await call('github.get_file_contents', { owner, repo, path: 'service.config.json', ref: 'main' });
          const next = deepMerge(JSON.parse(String(file.content)) as Record<string, unknown>, step.config);
          await call('github.create_branch', { owner, repo, branch });
          await call('github.create_or_update_file', { owner, repo, branch, path: 'service.config.json', sha: file.sha, message: 'Apply the known service config', content: `${JSON.stringify(next, null, 2)}\n` });
          const pr = await call('github.create_pull_request', { owner, repo, title: 'Apply the known service config', head: branch, base: 'main' });
          await call('github.merge_pull_request', { owner, repo, pullNumber: pr.number, merge_method: 'squash' });
          await call('deploy.deploy_service', { ref: 'main' });
          actions.push({ kind: 'pull_request', ref: `#${String(pr.number)}`, at: at() }, { kind: 'deploy', ref: 'main', at: at() });
        } else if (step.kind === 'rollback') {
          // The stub knows the world: the release live before the fault is the lab's first, the oldest in the history.
          const status = await call('deploy.rollout_status', { limit: 100 });
          const history = status.history as { releaseId: string }[];
          const to = step.to === 'known-good' ? history.at(-1)?.releaseId : undefined;
          await call('deploy.rollback', { ...(to ? { to } : {}), reason: `runner stub: rollback to ${step.to}` });
          actions.push({ kind: 'rollback', ref: to ?? 'previous', at: at() });
        } else {
          await call('deploy.maintenance_mode', { enabled: step.enabled, reason: 'runner stub' });
          actions.push({ kind: 'maintenance', ref: step.enabled ? 'on' : 'off', at: at() });
        }
      }
      const endedAt = new Date().toISOString();
      const summary = plan.steps.length === 0 ? 'runner test stub: no action taken' : `runner test stub: ${plan.steps.map((s) => s.kind).join(', ')}`;
      timeline.push({ at: endedAt, kind: 'outcome', summary });
      return {
        id: 'runner-stub-1',
        title: alert.title,
        severity: alert.severity,
        status: 'resolved',
        alert,
        model: 'runner test stub (no model)',
        approvalPolicy: 'auto',
        startedAt,
        endedAt,
        timeline,
        outputs: { 'runner-stub': plan.diagnosis ? { rootCause: plan.diagnosis } : { action: 'none' } },
        approvals: [],
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, toolCalls, turns: 0 },
        actions,
        outcome: { resolved: true, summary },
      };
    } finally {
      await tools.close();
    }
  };
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    out[k] = isObject(v) && isObject(b) ? deepMerge(b, v) : v;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
