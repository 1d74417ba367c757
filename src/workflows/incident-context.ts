import { z } from 'zod';
import type { Alert, Severity } from './alert.js';
import type { ChangeReport } from './changes.js';
import type { SloStatus } from './verify.js';

/**
 * The incident as every persona and workflow step sees it: the alert normalised into plain JSON plus what the
 * responders' configuration knows about the service (its repository, how its logs are selected). It is the
 * `incident` of every PersonaInput and is journaled, so it holds only JSON.
 */

export interface RepositoryRef {
  owner: string;
  repo: string;
  /** The branch fixes are proposed against and deployed from. */
  baseBranch: string;
}

export interface IncidentContext {
  id: string;
  title: string;
  alertname: string;
  /** From the alert; absent when the alert carries none (the observability persona assesses it). */
  severity?: Severity;
  status: Alert['status'];
  startsAt: string;
  source: Alert['source'];
  /** The service label (`service`, else `job`, `app`, `application`); absent when the alert names none. */
  service?: string;
  /** Prometheus job of the service's scrape target, for `up{job=...}`. */
  job?: string;
  endpoint?: string;
  /** The alert's value, as sent (Prometheus sends a float as text). */
  value?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  repository?: RepositoryRef;
  /** LogQL stream selector of the service's logs, e.g. `{job="workflows-api"}`. */
  logSelector?: string;
  /**
   * PromQL range for rates during investigation: the time since the alert started plus a margin, clamped to
   * [30s, 5m] — a 5-minute window over a 40-second-old incident would dilute the symptom with healthy samples.
   */
  window: string;
  /** Markdown list of the observability evidence, added once stage 1 has run (for PR bodies and tickets). */
  evidence?: string;
  /** What changed around the incident's start, the suspect change and the known-good release (the situation stage). */
  changes?: ChangeReport;
  /** The SLO checks measured when the response began. */
  slo?: SloStatus;
}

/** Per-service settings from the configuration (`services.<name>`). */
export interface ServiceSettings {
  repository?: string;
  baseBranch?: string;
  logSelector?: string;
  window?: string;
}

export interface IncidentContextOptions {
  id: string;
  /** `owner/name` used when neither the alert nor `services` names one. */
  repository?: string;
  baseBranch?: string;
  services?: Readonly<Record<string, ServiceSettings>>;
  /** Overrides the computed investigation window (a PromQL duration such as `2m`). */
  window?: string;
  /** For the window computation; default Date.now(). */
  now?: number;
}

/** `owner/name` as written in configs and alert labels. */
export const repositorySlug = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/name, e.g. acme/workflows-api');

/** A PromQL range duration such as `30s`, `5m`, `1h`. */
export const promDuration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'expected a PromQL duration such as 30s, 5m or 1h');

/** Thrown when a repository given in an alert or config is not `owner/name`. */
export class InvalidRepositoryError extends Error {
  override readonly name = 'InvalidRepositoryError';
  constructor(readonly where: string, readonly value: string) {
    super(`${where}: '${value}' is not a repository (expected owner/name)`);
  }
}

/**
 * Builds the incident context from a parsed alert. The repository comes from the alert (label or annotation
 * `repository`), else `services.<service>.repository`, else `repository`; it stays absent when none names one
 * (the ticket and fix stages then say so instead of guessing).
 */
export function buildIncidentContext(alert: Alert, opts: IncidentContextOptions): IncidentContext {
  const labels = alert.labels;
  const service = labels.service ?? labels.job ?? labels.app ?? labels.application;
  const settings = service !== undefined ? opts.services?.[service] : undefined;
  const fromAlert = labels.repository ?? alert.annotations.repository;
  const slug = fromAlert ?? settings?.repository ?? opts.repository;
  const where = fromAlert !== undefined ? 'alert.labels.repository' : settings?.repository !== undefined ? `services.${service}.repository` : 'repository';
  const repository = slug === undefined ? undefined : parseRepository(slug, where, settings?.baseBranch ?? opts.baseBranch ?? 'main');
  const job = labels.job ?? service;
  const context: IncidentContext = {
    id: opts.id,
    title: alert.title,
    alertname: labels.alertname ?? alert.title,
    status: alert.status,
    startsAt: alert.startsAt,
    source: alert.source,
    labels: { ...labels },
    annotations: { ...alert.annotations },
    window: settings?.window ?? opts.window ?? investigationWindow(alert.startsAt, opts.now ?? Date.now()),
  };
  if (alert.severity !== undefined) context.severity = alert.severity;
  if (service !== undefined) context.service = service;
  if (job !== undefined) context.job = job;
  if (labels.endpoint !== undefined) context.endpoint = labels.endpoint;
  if (alert.value !== undefined) context.value = alert.value;
  if (repository) context.repository = repository;
  const selector = settings?.logSelector ?? (job !== undefined ? `{job="${job}"}` : undefined);
  if (selector !== undefined) context.logSelector = selector;
  return context;
}

function parseRepository(slug: string, where: string, baseBranch: string): RepositoryRef {
  if (!repositorySlug.safeParse(slug).success) throw new InvalidRepositoryError(where, slug);
  const [owner, repo] = slug.split('/') as [string, string];
  return { owner, repo, baseBranch };
}

/** Seconds since the alert started plus 30 s, clamped to [30 s, 5 min], as a PromQL duration. */
export function investigationWindow(startsAt: string, now: number): string {
  const age = Math.max(0, (now - Date.parse(startsAt)) / 1000);
  const seconds = Math.round(Math.min(300, Math.max(30, age + 30)));
  return `${seconds}s`;
}
