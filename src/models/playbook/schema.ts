import { z } from 'zod';
import { compiled } from './expr.js';

/**
 * A playbook is data: an ordered list of rules, each "when these facts hold, make these tool calls / give
 * this answer / escalate". Playbooks can live in YAML or JSON files; this schema is the contract, and its
 * errors name the bad field (e.g. `rules.2.then.call.tool`).
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json: z.ZodType<Json> = z.lazy(() => z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(json), z.record(z.string(), json)]));

/** An expression (expr.ts), checked when the playbook is loaded so a typo fails at load, naming the field. */
const expressionSource = z.string().min(1).superRefine((src, ctx) => {
  try {
    compiled(src);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const factPath = z.string().regex(/^\$?[A-Za-z_][\w-]*(?:(?:\.[\w$-]+)|(?:\[\d+\]))*$/, 'expected a fact path such as input.incident.service or errorRate.data[0].value');

export interface Comparison {
  fact: string;
  exists?: boolean | undefined;
  eq?: Json | undefined;
  ne?: Json | undefined;
  gt?: number | undefined;
  gte?: number | undefined;
  lt?: number | undefined;
  lte?: number | undefined;
  matches?: string | undefined;
  contains?: Json | undefined;
  in?: Json[] | undefined;
}
/** `{ expr }`: holds when the expression (see expr.ts) evaluates to a true value; undefined does not hold. */
export type Condition = Comparison | { expr: string } | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const comparison = z
  .object({
    fact: factPath,
    exists: z.boolean().optional(),
    eq: json.optional(),
    ne: json.optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    matches: z.string().refine(isRegex, 'expected a valid regular expression').optional(),
    contains: json.optional(),
    in: z.array(json).optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 1, { message: 'a condition needs an operator (exists, eq, ne, gt, gte, lt, lte, matches, contains, in)' });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    comparison,
    z.object({ expr: expressionSource }).strict(),
    z.object({ all: z.array(conditionSchema) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
  ]),
);

const name = z.string().regex(/^[A-Za-z][\w-]*$/, 'letters, digits, _ and - only, starting with a letter');

/**
 * Derived facts, by name, in order: each an expression (expr.ts). Names are like JavaScript identifiers, so
 * expressions can read them. The name is checked here rather than as a record key schema: zod reports a bad
 * key only as "Invalid key in record", and the author needs to know why.
 */
export const derivedFacts = z.record(z.string(), expressionSource).superRefine((facts, ctx) => {
  for (const key of Object.keys(facts)) {
    if (!/^[A-Za-z_]\w*$/.test(key)) ctx.addIssue({ code: 'custom', path: [key], message: 'letters, digits and _ only, starting with a letter (expressions read it by name)' });
  }
});

const call = z
  .object({
    /** Qualified tool name, e.g. grafana.query_prometheus. */
    tool: z.string().min(1),
    /** Arguments; strings may hold {{fact.path}} templates. */
    args: z.record(z.string(), json).default({}),
    /** The result becomes the fact of this name (the latest result wins). */
    saveAs: name.optional(),
  })
  .strict();

const action = z.union([
  z.object({ call }).strict(),
  z.object({ calls: z.array(call).min(1).max(16) }).strict(),
  z.object({ answer: z.record(z.string(), json) }).strict(),
  z.object({ escalate: z.string().min(1) }).strict(),
]);

const rule = z
  .object({
    id: name,
    description: z.string().optional(),
    /** All must hold; none means always. */
    when: z.array(conditionSchema).default([]),
    /** How many times the rule may fire in one conversation (polling rules set more); default 1. */
    maxFires: z.number().int().min(1).max(1000).default(1),
    /** Facts computed for this rule only, after the playbook's own `derive`: its conditions and action may read them. */
    derive: derivedFacts.optional(),
    then: action,
  })
  .strict();

export const playbookSchema = z
  .object({
    name,
    description: z.string().optional(),
    /**
     * Facts computed from other facts before every decision, in order (a later one may read an earlier one):
     * `{ poolDemand: "sample(acquireRate) * sample(queryMean)" }`. Undefined when an input is missing.
     */
    derive: derivedFacts.default({}),
    rules: z.array(rule).min(1),
  })
  .strict()
  .superRefine((pb, ctx) => {
    const seen = new Set<string>();
    pb.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id '${r.id}'` });
      seen.add(r.id);
    });
  });

export type PlaybookInput = z.input<typeof playbookSchema>;
export type Playbook = z.output<typeof playbookSchema>;
export type PlaybookRule = Playbook['rules'][number];
export type PlaybookCall = z.output<typeof call>;

function isRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
