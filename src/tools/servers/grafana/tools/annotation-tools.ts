import { z } from 'zod';
import { GrafanaConfigError, ToolInputError } from '../errors.js';
import type { AnnotationInput } from '../grafana-api.js';
import { tool, type ToolDeps } from './common.js';

const IDEMPOTENCY_TAG = 'firebreak-idempotency:';

/**
 * create_annotation: marks the incident timeline (deploy, rollback, mitigation) in Grafana, or in a local
 * JSON-lines file without Grafana. A call with an idempotency key (the `idempotencyKey` argument, as in the
 * github server's write tools, or `_meta.idempotencyKey`) creates the annotation once, however often a
 * resumed run repeats it.
 */
export function registerAnnotationTools({ server, datasources, annotations: file }: ToolDeps): void {
  server.registerTool('create_annotation', {
    title: 'Create Annotation',
    description: 'Create a new annotation (e.g. "hotfix deployed", "rolled back") on the incident timeline, organisation-wide or on a dashboard/panel.',
    inputSchema: {
      text: z.string().min(1).max(10_000).describe('Annotation text (required)'),
      time: z.int().nonnegative().optional().describe('Start time, epoch ms (default now)'),
      timeEnd: z.int().nonnegative().optional().describe('End time, epoch ms (for a region)'),
      tags: z.array(z.string().min(1).max(100)).max(50).optional().describe('Optional list of tags'),
      dashboardUID: z.string().max(200).optional().describe('Dashboard UID to scope the annotation to'),
      panelId: z.int().nonnegative().optional().describe('Panel ID to scope the annotation to'),
      data: z.record(z.string(), z.unknown()).optional().describe('Optional JSON payload'),
      idempotencyKey: z.string().regex(/^[A-Za-z0-9._:/@+-]{1,200}$/, 'use 1-200 characters from A-Z a-z 0-9 . _ : / @ + -').optional()
        .describe('Stable key for this annotation: repeating a call with the same key returns the first annotation instead of adding another'),
    },
    annotations: { title: 'Create Annotation', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  }, tool(datasources.secrets, async (args, extra) => {
    if (args.time !== undefined && args.timeEnd !== undefined && args.timeEnd < args.time) throw new ToolInputError('timeEnd', 'must not be before time');
    const { idempotencyKey, ...fields } = args;
    const key = idempotencyKey ?? (typeof extra._meta?.idempotencyKey === 'string' ? extra._meta.idempotencyKey : undefined);
    const input: AnnotationInput = { ...fields, time: fields.time ?? Date.now() };
    const grafana = datasources.grafana;
    if (grafana) {
      if (key) {
        const existing = await grafana.findAnnotationByTag(IDEMPOTENCY_TAG + key, extra.signal);
        if (existing !== undefined) return { id: existing, message: 'Annotation already exists', created: false };
        input.tags = [...(input.tags ?? []), IDEMPOTENCY_TAG + key];
      }
      const created = await grafana.createAnnotation(input, extra.signal);
      return { ...created, created: true };
    }
    if (!file) throw new GrafanaConfigError('create_annotation needs GRAFANA_URL, or ANNOTATIONS_FILE (--annotations-file) to write annotations locally');
    const { annotation, created } = await file.add(input, key);
    return { id: annotation.id, message: created ? 'Annotation added' : 'Annotation already exists', created, file: file.path };
  }));
}
