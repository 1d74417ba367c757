import { rename, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { z } from 'zod';
import { formatConfigIssues } from '../target/config.js';
import { PrometheusConfigError } from './errors.js';

const duration = z.union([
  z.string().regex(/^\d+(ms|s|m|h)$/, 'a Prometheus duration like "10s" or "1m"'),
  z.number().int().nonnegative().transform((ms) => `${ms}ms`),
]);
const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a Prometheus label name');

/** A job to scrape: `targets` are host:port (or URLs, reduced to host:port). */
export const scrapeJobSchema = z.strictObject({
  job: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'letters, digits, dash and underscore'),
  targets: z.array(z.string().min(1)).default([]),
  metricsPath: z.string().startsWith('/').default('/metrics'),
  labels: z.record(labelName, z.string()).default({}),
});
export type ScrapeJob = z.infer<typeof scrapeJobSchema>;
export type ScrapeJobInput = z.input<typeof scrapeJobSchema>;

/** An alerting rule, as data. `for` accepts "10s" or milliseconds. */
export const alertRuleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an alert name (letters, digits, underscore)'),
  expr: z.string().min(1),
  for: duration.default('0s'),
  labels: z.record(labelName, z.string()).default({}),
  annotations: z.record(labelName, z.string()).default({}),
});
export type AlertRule = z.infer<typeof alertRuleSchema>;
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/** Validates with `schema`, throwing `PrometheusConfigError` with `prefix.field: message` issues. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, prefix: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new PrometheusConfigError(formatConfigIssues(result.error).map((i) => `${prefix}.${i}`));
  return result.data;
}

/** Reduces "http://127.0.0.1:4100/metrics" or "127.0.0.1:4100" to "127.0.0.1:4100". */
export function toHostPort(target: string): string {
  if (!/^[a-z]+:\/\//i.test(target)) return target;
  return new URL(target).host;
}

/** Path of a job's file_sd file, relative to the Prometheus config dir. */
export const targetsFile = (job: string): string => `targets/${job}.json`;

/**
 * prometheus.yml for the lab: 1 s scrape and evaluation (time is compressed in drills), one job per
 * scrape job reading its targets from a file_sd file, so a restarted target on a new port is picked up
 * by rewriting that file — no reload.
 */
export function renderPrometheusConfig(jobs: readonly ScrapeJob[], o: { scrapeIntervalMs: number; evaluationIntervalMs: number; alertmanagers?: readonly string[] }): string {
  const scrape = `${o.scrapeIntervalMs}ms`;
  return stringify({
    global: { scrape_interval: scrape, scrape_timeout: scrape, evaluation_interval: `${o.evaluationIntervalMs}ms` },
    // Where firing and resolved alerts go (host:port of Alertmanagers), when any.
    ...(o.alertmanagers?.length ? { alerting: { alertmanagers: [{ static_configs: [{ targets: o.alertmanagers.map(toHostPort) }] }] } } : {}),
    rule_files: ['rules.yml'],
    scrape_configs: jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath,
      file_sd_configs: [{ files: [targetsFile(j.job)], refresh_interval: '1s' }],
    })),
  });
}

/** The file_sd content of one job. */
export function renderTargets(job: ScrapeJob): string {
  return `${JSON.stringify([{ targets: job.targets.map(toHostPort), labels: job.labels }], null, 2)}\n`;
}

/** rules.yml with one group of alerting rules. */
export function renderRules(rules: readonly AlertRule[]): string {
  return stringify({
    groups: [
      {
        name: 'firebreak-lab',
        rules: rules.map((r) => ({ alert: r.name, expr: r.expr, for: r.for, labels: r.labels, annotations: r.annotations })),
      },
    ],
  });
}

/** Writes via a temp file and rename, so Prometheus never reads a half-written file. */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content);
  await rename(tmp, file);
}
