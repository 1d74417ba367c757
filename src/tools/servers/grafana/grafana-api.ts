import { z } from 'zod';
import { BackendError } from './errors.js';
import { getJson, postJson, type HttpTarget } from './http.js';

const datasourceSchema = z.object({
  id: z.number().default(0),
  uid: z.string(),
  name: z.string(),
  type: z.string(),
  isDefault: z.boolean().default(false),
});
export type GrafanaDatasource = z.infer<typeof datasourceSchema>;

const annotationCreated = z.object({ id: z.number(), message: z.string().default('Annotation added') });
const annotationList = z.array(z.object({ id: z.number() }).loose());

export interface AnnotationInput {
  text: string;
  time?: number;
  timeEnd?: number;
  tags?: string[];
  dashboardUID?: string;
  panelId?: number;
  data?: Record<string, unknown>;
}

/** The slice of Grafana's HTTP API the server needs: datasources, and annotations. */
export class GrafanaApi {
  #datasources: { at: number; list: Promise<GrafanaDatasource[]> } | undefined;

  constructor(readonly target: HttpTarget, private readonly cacheMs = 30_000) {}

  /** GET /api/datasources, cached briefly: every query resolves its datasource through this list. */
  datasources(signal?: AbortSignal): Promise<GrafanaDatasource[]> {
    const now = Date.now();
    if (this.#datasources && now - this.#datasources.at < this.cacheMs) return this.#datasources.list;
    const list = getJson(this.target, '/api/datasources', {}, signal).then((raw) => parse(this.target, z.array(datasourceSchema), raw, '/api/datasources'));
    this.#datasources = { at: now, list };
    // A failed lookup must not be cached: the next call tries again.
    list.catch(() => {
      if (this.#datasources?.list === list) this.#datasources = undefined;
    });
    return list;
  }

  /** POST /api/annotations; returns Grafana's id and message. */
  async createAnnotation(input: AnnotationInput, signal?: AbortSignal): Promise<{ id: number; message: string }> {
    const raw = await postJson(this.target, '/api/annotations', input, signal);
    return parse(this.target, annotationCreated, raw, '/api/annotations');
  }

  /** The id of an annotation carrying `tag`, if one exists (used to make create_annotation idempotent). */
  async findAnnotationByTag(tag: string, signal?: AbortSignal): Promise<number | undefined> {
    const raw = await getJson(this.target, '/api/annotations', { tags: [tag], limit: 1 }, signal);
    return parse(this.target, annotationList, raw, '/api/annotations')[0]?.id;
  }
}

function parse<T extends z.ZodType>(target: HttpTarget, schema: T, raw: unknown, path: string): z.output<T> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BackendError(target.name, `${path} answered unexpected data at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}`);
}
