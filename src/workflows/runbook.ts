import { z } from 'zod';
import type { Condition, PlaybookInput } from '../models/playbook/index.js';
import { conditionSchema, derivedFacts } from '../models/playbook/schema.js';

/**
 * Runbooks: the persona playbooks as a team writes them (playbooks/*.yaml) — common investigation steps,
 * then procedures, each "when these symptoms hold, do these steps, then answer" — compiled into the flat
 * rule list playbookModel runs. The compiler adds the bookkeeping a hand-written rule list gets wrong:
 * step order (each step waits for the previous one), one procedure per conversation, failure handling that
 * takes precedence, severity variants, and a final escalation when no procedure matches.
 */

const json: z.ZodType<unknown> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));
const id = z.string().regex(/^[A-Za-z][\w-]*$/, 'letters, digits, _ and - only, starting with a letter');
const condition = conditionSchema;

const call = z.strictObject({ tool: z.string().min(1), args: z.record(z.string(), json).default({}), saveAs: id.optional() });

const runbookStep = z.strictObject({
  id,
  description: z.string().optional(),
  when: z.array(condition).default([]),
  calls: z.array(call).min(1).max(16),
});

const failure = z.union([
  z.strictObject({ when: z.array(condition).min(1), escalate: z.string().min(1) }),
  z.strictObject({ when: z.array(condition).min(1), answer: z.record(z.string(), json) }),
]);


const procedure = z.strictObject({
  id,
  description: z.string().optional(),
  /** Facts this procedure computes (after the runbook's `derive`): its `when`, steps and answer may read them. */
  derive: derivedFacts.default({}),
  /** Symptoms: all must hold (after the common steps) for this procedure to start. */
  when: z.array(condition).min(1),
  steps: z.array(runbookStep).default([]),
  /** Checked before every step of this procedure once it has started: a tool error ends it here. */
  failures: z.array(failure).default([]),
  answer: z.record(z.string(), json),
});

export const runbookSchema = z
  .strictObject({
    name: id,
    description: z.string().optional(),
    /**
     * Facts computed from tool results and earlier derived facts, by name, in order: the runbook's arithmetic
     * (`poolDemand: "sample(acquireRate) * sample(queryMean)"`). See src/models/playbook/expr.ts.
     */
    derive: derivedFacts.default({}),
    /** Run first, in order, each once (the investigation every procedure needs). */
    steps: z.array(runbookStep).default([]),
    procedures: z.array(procedure).min(1),
    /**
     * When the incident has no severity: the first entry whose conditions hold gives the answer's `severity`
     * (observability only). With it, every procedure's answer gets a `severity` field.
     */
    severity: z.array(z.strictObject({ when: z.array(condition).default([]), severity: z.enum(['p0', 'p1', 'p2', 'p3']) })).optional(),
    /** The escalation when no procedure's symptoms hold. */
    otherwise: z.string().min(1),
  })
  .superRefine((rb, ctx) => {
    const seen = new Set<string>();
    const check = (value: string, path: (string | number)[]): void => {
      if (seen.has(value)) ctx.addIssue({ code: 'custom', path, message: `duplicate id '${value}'` });
      seen.add(value);
    };
    rb.steps.forEach((s, i) => check(s.id, ['steps', i, 'id']));
    rb.procedures.forEach((p, i) => {
      check(p.id, ['procedures', i, 'id']);
      p.steps.forEach((s, j) => check(`${p.id}-${s.id}`, ['procedures', i, 'steps', j, 'id']));
    });
  });

export type RunbookInput = z.input<typeof runbookSchema>;
export type Runbook = z.output<typeof runbookSchema>;

type Rule = PlaybookInput['rules'][number];
const fired = (ruleId: string): Condition => ({ fact: `$fired.${ruleId}`, gte: 1 });
const notFired = (ruleId: string): Condition => ({ fact: `$fired.${ruleId}`, exists: false });

/** Compiles a validated runbook into a playbook (validate the result with playbookSchema / playbookModel). */
export function compileRunbook(rb: Runbook): PlaybookInput {
  const rules: Rule[] = [];
  const argsOf = callArguments(rb);
  const expand = (answer: Record<string, unknown>, where: string): Record<string, never> => expandCalls(answer, argsOf, where) as Record<string, never>;
  const common = rb.steps.map((s) => `step-${s.id}`);
  const afterCommon: Condition[] = common.length ? [fired(common.at(-1)!)] : [];
  const firstRule = (p: Runbook['procedures'][number]): string => (p.steps.length ? `${p.id}-${p.steps[0]!.id}` : `${p.id}-answer`);
  const starts = rb.procedures.map(firstRule);

  const derived = (p: Runbook['procedures'][number]): { derive?: Record<string, string> } => (Object.keys(p.derive).length ? { derive: p.derive } : {});

  // Failures first: once a procedure has started, a matching failure wins over its next step.
  rb.procedures.forEach((p, i) => {
    p.failures.forEach((f, k) => {
      const when = [fired(starts[i]!), ...(f.when as Condition[])];
      rules.push('escalate' in f
        ? { id: `${p.id}-failure-${k + 1}`, description: `${p.id}: failure ${k + 1}`, ...derived(p), when, then: { escalate: f.escalate } }
        : { id: `${p.id}-failure-${k + 1}`, description: `${p.id}: failure ${k + 1}`, ...derived(p), when, then: { answer: expand(withSeverity(f.answer, rb), `procedures.${p.id}.failures.${k}`) } });
    });
  });

  rb.steps.forEach((s, i) => {
    rules.push({ id: common[i]!, ...(s.description ? { description: s.description } : {}), when: [...(i > 0 ? [fired(common[i - 1]!)] : []), ...(s.when as Condition[])], then: { calls: s.calls } });
  });

  rb.procedures.forEach((p, i) => {
    const others = starts.filter((_, j) => j !== i).map(notFired);
    const gate = [...afterCommon, ...(p.when as Condition[]), ...others];
    let previous: string | undefined;
    for (const s of p.steps) {
      const ruleId = `${p.id}-${s.id}`;
      rules.push({ id: ruleId, description: `${p.id}: ${s.description ?? s.id}`, ...derived(p), when: [...(previous ? [fired(previous)] : gate), ...(s.when as Condition[])], then: { calls: s.calls } });
      previous = ruleId;
    }
    const answerWhen = previous ? [fired(previous)] : gate;
    for (const variant of severityVariants(rb)) {
      rules.push({
        id: `${p.id}-answer${variant.suffix}`,
        description: `${p.id}: ${p.description ?? 'answer'}`,
        ...derived(p),
        when: [...answerWhen, ...variant.when],
        then: { answer: { ...expand(p.answer, `procedures.${p.id}.answer`), ...(variant.severity ? { severity: variant.severity } : {}) } },
      });
    }
  });

  rules.push({ id: 'no-procedure-matches', description: 'no symptom rule matches: escalate', when: afterCommon, then: { escalate: rb.otherwise } });
  return { name: rb.name, ...(rb.description ? { description: rb.description } : {}), derive: rb.derive, rules };
}

/** Thrown at compile time for a `{{$call.NAME.ARG}}` naming no saved call or argument. */
export class RunbookReferenceError extends Error {
  override readonly name = 'RunbookReferenceError';
}

/** The arguments of every call with a `saveAs`, by that name. */
function callArguments(rb: Runbook): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const s of [...rb.steps, ...rb.procedures.flatMap((p) => p.steps)]) {
    for (const c of s.calls) if (c.saveAs) out.set(c.saveAs, c.args as Record<string, unknown>);
  }
  return out;
}

const CALL_REF = /\{\{\s*\$call\.([\w-]+)\.([\w-]+)\s*\}\}/g;

/** Replaces `{{$call.NAME.ARG}}` with the argument's own template, so an answer cites the exact query run. */
function expandCalls(value: unknown, args: Map<string, Record<string, unknown>>, where: string): unknown {
  if (typeof value === 'string') {
    return value.replace(CALL_REF, (_, name: string, arg: string) => {
      const v = args.get(name)?.[arg];
      if (v === undefined) throw new RunbookReferenceError(`${where}: {{$call.${name}.${arg}}} names no argument '${arg}' of a call saved as '${name}'`);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => expandCalls(v, args, where));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandCalls(v, args, where)]));
  return value;
}

/** One answer rule per way the severity is known: from the incident, or from each severity rule in order. */
function severityVariants(rb: Runbook): { suffix: string; when: Condition[]; severity?: string }[] {
  if (!rb.severity) return [{ suffix: '', when: [] }];
  return [
    { suffix: '', when: [{ fact: 'input.incident.severity', exists: true }], severity: '{{input.incident.severity}}' },
    ...rb.severity.map((s, i) => ({ suffix: `-${s.severity}-${i + 1}`, when: [{ fact: 'input.incident.severity', exists: false }, ...(s.when as Condition[])], severity: s.severity })),
  ];
}

function withSeverity(answer: Record<string, unknown>, rb: Runbook): Record<string, unknown> {
  return rb.severity ? { severity: '{{input.incident.severity}}', ...answer } : answer;
}
