import { z } from 'zod';
import { dependencyOptionsSchema } from '../lab/dependency/config.js';
import { isServiceSetting } from '../lab/target/config.js';
import { durationSchema } from '../lab/target/distribution.js';

/**
 * The schema of a drill scenario file (scenarios/*.yaml). A scenario describes a world (the target, its
 * baseline load), one fault and how it is injected, the alerts Prometheus evaluates, the SLOs that say the
 * incident is over, and — for scoring only, never shown to the personas — the expected root cause.
 * Durations are milliseconds or strings like "500ms", "15s", "2m".
 */

// The taxonomy personas answer with is the workflow's; scenarios are scored against the same list.
export { ROOT_CAUSE_CATEGORIES, type RootCauseCategory } from '../workflows/outputs.js';
import { durationMs, httpMethod, kebab, promql, serviceConfigInput } from './scenario-fields.js';
import { expectedSchema, solutionSchema } from './scenario-outcome.js';

/** firebreak's own target service (src/lab/target), deployed from a forge repo built from the repo template. */
const builtinTargetSchema = z.strictObject({
  kind: z.literal('builtin'),
  /** owner/name of the service repository on the lab forge. */
  repo: z.strictObject({ owner: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('acme'), name: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('workflows-api') }).prefault({}),
  /** The service.config.json on `main` when the drill starts: the incident-prone settings. */
  config: serviceConfigInput,
  /** What the environment provides to the service (FIREBREAK_LAB_PROVIDES names). */
  provides: z.array(z.string().min(1)).default(['payments-db']),
  /** Start the lab dependency server (the payments API), provided to the service under its name. */
  dependency: dependencyOptionsSchema.optional(),
  /**
   * What the platform sets for every release, outside the repository (the repo's README and config tests
   * forbid these keys in service.config.json): how long a query, a task and a saga step take.
   */
  environment: z
    .strictObject({ queryLatency: durationSchema.optional(), taskDuration: durationSchema.optional(), sagaStepDuration: durationSchema.optional() })
    .optional(),
});

const commandSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Relative paths resolve against the scenario file's directory. */
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).default({}),
  timeoutMs: durationMs.default(120_000),
});
export type ScenarioCommand = z.infer<typeof commandSchema>;

/** A team's own service: the lab starts it (optional), scrapes it, routes load to it and deploys it with a command. */
const customTargetSchema = z.strictObject({
  kind: z.literal('custom'),
  /** Prometheus job name and the service's name in the lab. */
  name: kebab,
  /** Base URL the service listens on (loopback); load goes through the lab's ingress to it. */
  url: z.url({ protocol: /^http$/ }),
  /** How the lab starts the service; omit when it is already running. */
  start: commandSchema.optional(),
  metricsPath: z.string().startsWith('/').default('/metrics'),
  healthPath: z.string().startsWith('/').default('/healthz'),
  /** JSON-lines log file of the service, for the grafana server's log backend. */
  logFile: z.string().min(1),
  /** Deploys a release: run with FIREBREAK_REF, FIREBREAK_REVISION and FIREBREAK_RELEASE_DIR (the exported ref). */
  deploy: commandSchema,
  /** Directory whose files become the forge repository's first commit. */
  repo: z.strictObject({ dir: z.string().min(1), owner: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('acme'), name: z.string().regex(/^[A-Za-z0-9_.-]+$/) }),
});

const targetSchema = z.preprocess(
  (v) => (typeof v === 'object' && v !== null && !('kind' in v) ? { ...v, kind: 'builtin' } : v),
  z.discriminatedUnion('kind', [builtinTargetSchema, customTargetSchema]),
);

/** Baseline traffic, running from lab start to stop. */
const loadSchema = z.strictObject({
  path: z.string().startsWith('/'),
  method: httpMethod.default('GET'),
  body: z.record(z.string(), z.unknown()).optional(),
  baselineRatePerSec: z.number().positive().max(2_000),
  requestTimeoutMs: durationMs.default(10_000),
});

const description = z.string().min(1);

/** More traffic: `multiplier` x baseline in total on the baseline path, or a new stream of `ratePerSec`. */
const trafficFault = z
  .strictObject({
    kind: z.literal('traffic'),
    description,
    path: z.string().startsWith('/').optional(),
    method: httpMethod.optional(),
    body: z.record(z.string(), z.unknown()).optional(),
    multiplier: z.number().gt(1).max(100).optional(),
    ratePerSec: z.number().positive().max(2_000).optional(),
    /** How long the extra traffic lasts; default: until the lab stops. */
    durationMs: durationMs.default(3_600_000),
  })
  .refine((f) => (f.multiplier === undefined) !== (f.ratePerSec === undefined), { message: 'give exactly one of multiplier or ratePerSec', path: ['multiplier'] });

/** The lab dependency fails for `durationMs`; optionally again after each deploy (a restart clears in-flight retries). */
const dependencyOutageFault = z.strictObject({
  kind: z.literal('dependency-outage'),
  description,
  durationMs: durationMs.pipe(z.number().int().positive().max(600_000)),
  reinjectAfterDeployMs: durationMs.optional(),
});

/** The service process is killed (an OOM kill); the deployer's supervisor restarts it. */
const killServiceFault = z.strictObject({
  kind: z.literal('kill-service'),
  description,
  signal: z.enum(['SIGKILL', 'SIGTERM']).default('SIGKILL'),
});

/** A later release the team ships on top of the bad one (e.g. a hotfix that does not help). */
const followUpRelease = z.strictObject({
  config: serviceConfigInput,
  message: z.string().min(1),
  /** When it is committed and deployed, counted from the injection (the first release). */
  afterMs: durationMs.pipe(z.number().int().nonnegative().max(600_000)),
});

/**
 * A release is committed to main and deployed: `config` is merged over main's service.config.json. Each
 * follow-up is merged over main as it is then, committed and deployed `afterMs` after the injection; the
 * inject phase ends when the last one is deployed, so the responder never sees one land mid-response.
 */
const badReleaseFault = z
  .strictObject({
    kind: z.literal('bad-release'),
    description,
    config: serviceConfigInput,
    message: z.string().min(1).default('Release'),
    followUps: z.array(followUpRelease).max(5).default([]),
  })
  .superRefine((f, ctx) => {
    f.followUps.forEach((u, i) => {
      const previous = f.followUps[i - 1];
      if (previous && u.afterMs < previous.afterMs) ctx.addIssue({ code: 'custom', message: `must not be earlier than followUps.${i - 1}.afterMs (${previous.afterMs} ms)`, path: ['followUps', i, 'afterMs'] });
    });
  });

/** Nothing is injected: the no-fault drill (its alert fires on a healthy service). */
const noFault = z.strictObject({ kind: z.literal('none'), description });

/** Anything else (custom targets): a command, run with the lab's URLs in the environment. */
const commandFault = z.strictObject({ kind: z.literal('command'), description, run: commandSchema });

const faultSchema = z.discriminatedUnion('kind', [trafficFault, dependencyOutageFault, killServiceFault, badReleaseFault, commandFault, noFault]);

const alertSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an alert name (letters, digits, underscore)'),
  expr: promql,
  for: durationMs.default(0),
  severity: z.enum(['critical', 'warning', 'info']).default('critical'),
  /** Paging alerts start the incident (waitForAlert); others only exist in Prometheus for the personas to find. */
  page: z.boolean().default(true),
  summary: z.string().min(1),
  description: z.string().optional(),
  labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
});

const sloCheckSchema = z.strictObject({
  name: kebab,
  expr: promql,
  op: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number(),
  /** An empty result (no traffic, no data yet) fails the check unless `pass`. */
  noData: z.enum(['fail', 'pass']).default('fail'),
});

const limitsSchema = z.strictObject({
  start: durationMs.default(60_000),
  warmup: durationMs.default(60_000),
  detect: durationMs.default(90_000),
  respond: durationMs.default(300_000),
  verify: durationMs.default(90_000),
  /** Injection to SLOs holding again. */
  mitigate: durationMs.optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: kebab,
    title: z.string().min(1),
    /** Source document under ../shared/seeds the numbers come from. */
    seed: z.string().optional(),
    description: z.string().default(''),
    target: targetSchema,
    load: loadSchema,
    warmup: z.strictObject({ durationMs: durationMs.default(10_000), holdSeconds: z.number().int().min(0).max(600).default(5) }).prefault({}),
    fault: faultSchema,
    alerts: z.array(alertSchema).min(1),
    slos: z.strictObject({ holdSeconds: z.number().int().min(1).max(600).default(10), checks: z.array(sloCheckSchema).min(1) }),
    /** Report chart queries (fraction of failed requests, p95 seconds); default: the lab ingress. */
    series: z.strictObject({ errorRate: promql.optional(), p95Seconds: promql.optional() }).prefault({}),
    /** Ground truth for scoring ONLY: never handed to the responder. */
    expected: expectedSchema,
    limits: limitsSchema.prefault({}),
    solution: solutionSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.alerts.some((a) => a.page)) ctx.addIssue({ code: 'custom', message: 'at least one alert must page (page: true)', path: ['alerts'] });
    const names = new Set<string>();
    s.alerts.forEach((a, i) => {
      if (names.has(a.name)) ctx.addIssue({ code: 'custom', message: `duplicate alert name ${a.name}`, path: ['alerts', i, 'name'] });
      names.add(a.name);
    });
    const builtinOnly = s.fault.kind === 'kill-service' || s.fault.kind === 'bad-release' || s.fault.kind === 'dependency-outage';
    if (s.target.kind === 'custom' && builtinOnly) ctx.addIssue({ code: 'custom', message: `fault ${s.fault.kind} needs the builtin target; use kind: command`, path: ['fault', 'kind'] });
    if (s.fault.kind === 'dependency-outage' && s.target.kind === 'builtin' && !s.target.dependency) {
      ctx.addIssue({ code: 'custom', message: 'a dependency-outage fault needs target.dependency', path: ['target', 'dependency'] });
    }
    if (s.solution?.kind === 'config' && s.target.kind === 'custom') ctx.addIssue({ code: 'custom', message: 'config solutions apply to the builtin target only', path: ['solution', 'kind'] });
    const noAction = s.expected.action === 'none';
    if (s.fault.kind === 'none' && !noAction) ctx.addIssue({ code: 'custom', message: 'a scenario with no fault expects no action: use expected: { action: none }', path: ['expected'] });
    if (s.solution?.kind === 'none' && !noAction) ctx.addIssue({ code: 'custom', message: 'solution none goes with expected: { action: none }', path: ['solution', 'kind'] });
    if (s.solution && s.solution.kind !== 'none' && noAction) ctx.addIssue({ code: 'custom', message: `expected action none: the only right response is solution kind none, not ${s.solution.kind}`, path: ['solution', 'kind'] });
    if (s.solution?.kind === 'rollback' && s.fault.kind !== 'bad-release') ctx.addIssue({ code: 'custom', message: 'a rollback solution needs a bad-release fault (there is no earlier release to go back to)', path: ['solution', 'kind'] });
    // Guarded: after an issue inside `expected` zod still runs this refinement, on the untransformed value.
    if (s.expected.action === 'diagnose' && Array.isArray(s.expected.settings) && s.target.kind === 'builtin') {
      s.expected.settings.forEach((key, i) => {
        if (!isServiceSetting(key)) ctx.addIssue({ code: 'custom', message: `'${key}' is not a service.config.json setting`, path: ['expected', 'settings', i] });
      });
    }
  });

/** A validated scenario, durations in ms, defaults filled in. `source` is the file it came from. */
export type Scenario = z.infer<typeof scenarioSchema> & { readonly source?: string };
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioTarget = Scenario['target'];
export type BuiltinTarget = Extract<ScenarioTarget, { kind: 'builtin' }>;
export type CustomTarget = Extract<ScenarioTarget, { kind: 'custom' }>;
export type ScenarioFault = Scenario['fault'];
export type ScenarioAlert = Scenario['alerts'][number];
export type SloCheck = Scenario['slos']['checks'][number];
