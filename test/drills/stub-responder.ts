import type { Responder, ResponderService } from '../../src/drills/lab-port.js';
import { connectTools } from '../../src/tools/host/index.js';
import type { ServerEntry } from '../../src/tools/host/index.js';
import { resultText, type ToolResult } from '../../src/tools/types.js';
import type { Alert } from '../../src/workflows/alert.js';
import type { IncidentRecord, TimelineEntry } from '../../src/workflows/incident.js';

/**
 * RUNNER TEST RESPONDER — not a persona, not a model, and not how drills are scored in real use.
 *
 * It exists only to exercise the drill runner end to end against a real lab: the test that builds it
 * already knows the scenario's known-good config and expected diagnosis, and the stub applies them
 * through the lab's real tools (github: branch, commit, PR, merge; deploy: deploy_service). What the
 * stub itself is handed by the runner — the alert and the MCP config — and everything it sends to or
 * receives from the tools is recorded in `seen`, so the test can check the runner kept it blind.
 */
export interface Seen {
  alerts: Alert[];
  mcpServers: Record<string, unknown>[];
  services: ResponderService[];
  toolArgs: { name: string; args: Record<string, unknown> }[];
  toolResults: ToolResult[];
}

export interface KnownFix {
  /** Merged over main's service.config.json. */
  config: Record<string, unknown>;
  /** The diagnosis the stub reports (the test's knowledge, not the stub's discovery). */
  diagnosis: { category: string; component: string };
}

export function knownFixResponder(fix: KnownFix, seen: Seen): Responder {
  return async (alert, lab, signal) => {
    seen.alerts.push(alert);
    seen.mcpServers.push(structuredClone(lab.mcpServers) as Record<string, unknown>);
    seen.services.push(structuredClone(lab.service));
    const startedAt = new Date().toISOString();
    const timeline: TimelineEntry[] = [{ at: startedAt, kind: 'stage', stage: 'runner-stub', summary: 'runner test stub started' }];
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
    try {
      const [owner, repo] = lab.service.repository.split('/');
      const file = await call('github.get_file_contents', { owner, repo, path: 'service.config.json', ref: 'main' });
      const current = JSON.parse(String(file.content)) as Record<string, unknown>;
      const next = deepMerge(current, fix.config);
      await call('github.create_branch', { owner, repo, branch: 'hotfix/config' });
      await call('github.create_or_update_file', { owner, repo, branch: 'hotfix/config', path: 'service.config.json', sha: file.sha, message: 'Apply the known-good service config', content: `${JSON.stringify(next, null, 2)}\n` });
      const pr = await call('github.create_pull_request', { owner, repo, title: 'Apply the known-good service config', head: 'hotfix/config', base: 'main' });
      await call('github.merge_pull_request', { owner, repo, pullNumber: pr.number, merge_method: 'squash' });
      const deployed = await call('deploy.deploy_service', { ref: 'main' });
      const endedAt = new Date().toISOString();
      timeline.push({ at: endedAt, kind: 'outcome', summary: 'known-good config deployed' });
      const record: IncidentRecord = {
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
        outputs: { 'runner-stub': { rootCause: fix.diagnosis, deployed } },
        approvals: [],
        usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, toolCalls, turns: 0 },
        actions: [{ kind: 'pull_request', ref: `#${String(pr.number)}`, at: endedAt }, { kind: 'deploy', ref: 'main', at: endedAt }],
        outcome: { resolved: true, summary: 'known-good config deployed by the runner test stub' },
      };
      return record;
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
