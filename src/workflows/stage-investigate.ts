import type { PersonaStep } from '../personas/persona.js';
import type { Context, Step } from '../primitives/types.js';
import { provide } from '../personas/runtime.js';
import type { ToolSet } from '../tools/types.js';
import { NoDiagnosisError, RepositoryUnknownError } from './errors.js';
import { guardFixes, type FixGuardOptions } from './fix-guard.js';
import type { Assessment, Fix } from './outputs.js';
import { stage } from './stage.js';
import { personaInput, type IncidentState } from './state.js';

/**
 * Stage 1 (observability: detect and assess) and stage 2 (backend: diagnose and fix). Both write what they
 * found to the incident's memory namespace (`assessment`, `fix`, plus the persona's own `findings/<name>`)
 * so later stages, the MCP server and the post-mortem can read it.
 */

/**
 * Stage 1. Runs the observability persona unless the incident was already assessed (when the alert had no
 * severity, triage runs it first). Sets the severity from the assessment when the alert had none, and adds
 * the evidence as markdown to the incident for the PR body and tickets.
 */
export function detectStage(observability: PersonaStep<Assessment>, name = 'detect'): Step<IncidentState, IncidentState> {
  return stage(name, 'observability', async (state, ctx) => {
    const assessment = await ctx.run(observability, personaInput(state));
    const incident = { ...state.incident, evidence: evidenceMarkdown(assessment) };
    await remember(ctx, 'assessment', assessment);
    ctx.emit('finding', {
      persona: observability.name,
      summary: assessment.summary,
      hypothesis: assessment.rootCauseHypothesis,
      ...(assessment.rootCause ? { rootCause: assessment.rootCause } : {}),
      severity: assessment.severity,
      output: assessment,
    });
    const next: IncidentState = { ...state, incident, assessment };
    if (!state.severity) {
      next.severity = assessment.severity;
      next.severitySource = 'assessment';
      ctx.emit('severity', { severity: assessment.severity, source: 'assessment' });
    }
    return next;
  }, (state) => state.assessment !== undefined);
}

/**
 * Stage 2. Runs the backend persona on the assessment; needs a repository to work in. Skipped when the
 * assessment found the service healthy (nothing to fix); refuses to start when the evidence identified no
 * cause (the incident escalates with what was measured instead of acting on a guess). The persona's GitHub
 * tools pass the fix guard (fix-guard.ts): no writes to the base branch, no pull request for a patch that
 * changes nothing or changes what the diagnosis does not implicate, and an expected effect in numbers.
 */
export function fixStage(backend: PersonaStep<Fix>, tools: ToolSet, guard: Pick<FixGuardOptions, 'fileTool'> = {}): Step<IncidentState, IncidentState> {
  return stage('fix', 'backend', async (state, ctx) => {
    if (!state.assessment?.rootCause) throw new NoDiagnosisError(state.assessment?.summary ?? 'no assessment');
    if (!state.incident.repository) throw new RepositoryUnknownError('backend stage');
    const guarded = guardFixes(tools, { ...guard, implicated: state.assessment.rootCause.settings, baseBranch: state.incident.repository.baseBranch });
    const fix = await ctx.run(provide({ toolset: guarded }, backend), personaInput(state));
    await remember(ctx, 'fix', fix);
    ctx.emit('finding', {
      persona: backend.name,
      summary: fix.fixDesign.change,
      remedy: fix.remedy,
      ...(fix.pullRequest ? { pullRequest: fix.pullRequest } : {}),
      tests: fix.tests,
      output: fix,
    });
    return { ...state, fix };
  }, (state) => state.assessment?.status === 'healthy');
}

/** The assessment's evidence as a markdown list: query, then what it returned (numbers as the persona measured them). */
export function evidenceMarkdown(a: Assessment): string {
  // Findings can quote whole log lines (stack traces included): keep the PR body readable.
  const clip = (s: string): string => (s.length > 400 ? `${s.slice(0, 397)}...` : s);
  const lines = a.evidence.map((e) => `- **${e.source}** \`${e.query.replace(/`/g, "'")}\`: ${clip(e.finding)}`);
  return [`${a.summary}`, '', `Hypothesis: ${a.rootCauseHypothesis}`, '', ...lines].join('\n');
}

async function remember(ctx: Context, key: string, value: unknown): Promise<void> {
  if (!ctx.memory) return;
  await ctx.memory.put(key, value);
  await ctx.memory.append({ type: key, at: new Date().toISOString(), value });
}
