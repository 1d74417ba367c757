import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { redactJson, redactText } from '../security/redact.js';
import type { IncidentService } from '../workflows/incident.js';
import { INCIDENT_URI_TEMPLATE, incidentUri, POSTMORTEM_URI_TEMPLATE, postmortemUri } from './incident-view.js';

/** JSON-RPC code the MCP spec gives "resource not found". */
export const RESOURCE_NOT_FOUND = -32002;

function notFound(uri: string, why: string): McpError {
  return new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} (${why})`, { uri });
}

function variable(value: string | string[] | undefined): string {
  return decodeURIComponent(Array.isArray(value) ? (value[0] ?? '') : (value ?? ''));
}

/**
 * The incident resources: `firebreak://incidents/{id}` (the whole record, JSON) and
 * `firebreak://incidents/{id}/postmortem` (markdown, once the incident has ended). Both are listed (every
 * incident; post-mortems of ended ones), readable, and complete the id for clients that offer completion.
 */
export function registerIncidentResources(server: McpServer, incidents: IncidentService): void {
  const completeId = async (value: string): Promise<string[]> =>
    (await incidents.list()).map((s) => s.id).filter((id) => id.startsWith(value)).sort().reverse().slice(0, 50);
  /** The incident a resource URI names, or the spec's "resource not found". */
  const incidentAt = async (uri: URL, vars: Record<string, string | string[]>) => {
    const id = variable(vars.id);
    const record = await incidents.get(id);
    if (!record) throw notFound(uri.href, `no incident '${id}'`);
    return { id, record };
  };

  server.registerResource(
    'incident',
    new ResourceTemplate(INCIDENT_URI_TEMPLATE, {
      list: async () => ({
        resources: (await incidents.list()).map((s) => ({
          uri: incidentUri(s.id),
          name: s.id,
          title: s.title,
          description: `${s.severity ?? 'unassessed'} incident, ${s.status}${s.stage ? ` (stage ${s.stage})` : ''}, started ${s.startedAt}`,
          mimeType: 'application/json',
        })),
      }),
      complete: { id: completeId },
    }),
    {
      title: 'Incident record',
      description: 'An incident: alert, status, stage, timeline, persona outputs, approvals, actions and outcome (JSON). Subscribe to follow it.',
      mimeType: 'application/json',
    },
    async (uri, vars) => {
      const { record } = await incidentAt(uri, vars);
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(redactJson(record), null, 2) }] };
    },
  );

  server.registerResource(
    'incident-postmortem',
    new ResourceTemplate(POSTMORTEM_URI_TEMPLATE, {
      list: async () => ({
        resources: (await incidents.list())
          .filter((s) => s.endedAt !== undefined)
          .map((s) => ({ uri: postmortemUri(s.id), name: `${s.id} post-mortem`, title: `Post-mortem: ${s.title}`, mimeType: 'text/markdown' })),
      }),
      complete: { id: completeId },
    }),
    {
      title: 'Incident post-mortem',
      description: 'The blameless post-mortem of an ended incident (markdown): summary, impact, timeline, root cause, actions, follow-ups.',
      mimeType: 'text/markdown',
    },
    async (uri, vars) => {
      const { id, record } = await incidentAt(uri, vars);
      const markdown = await incidents.postmortem(id);
      if (markdown === undefined) throw notFound(uri.href, `incident ${id} is still ${record.status}; the post-mortem exists once it has ended`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: redactText(markdown) }] };
    },
  );
}
