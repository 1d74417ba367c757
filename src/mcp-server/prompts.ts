import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { redactJson, redactText } from '../security/redact.js';
import { InvalidAlertError, parseAlert } from '../workflows/alert.js';
import type { IncidentService } from '../workflows/incident.js';
import { alertPayload } from './alert-input.js';
import { incidentUri, postmortemUri, statusView } from './incident-view.js';

/**
 * Prompts a user picks in the IDE's chat (slash commands in most clients):
 * - `triage-alert`: paste an alert; the assistant starts the response with the server's tools and walks the
 *   user through approvals.
 * - `write-postmortem`: the post-mortem of an ended incident, generated from its record, to review and edit.
 */

const TRIAGE_STEPS = `Work through it with the firebreak tools, in this order:
1. incident_list: if an incident for the same alert is already running, follow that one instead of starting another.
2. incident_respond with the alert (approve: "require", so every merge, deploy or rollback waits for the user).
3. incident_status every little while: report the stage, the persona at work and what it found, in two or three lines.
4. When the status is pending-approval: show the pending action and its arguments, say what it will change and why the persona wants it, and ask the user. Call incident_approve or incident_reject only with the user's answer, and pass their reason.
5. When the incident has ended: summarise the outcome and offer the post-mortem (resource ${'`'}firebreak://incidents/{id}/postmortem${'`'}).
Never approve on the user's behalf. If a tool answers with an error, show it and stop.`;

function triageText(raw: string): string {
  const payload = alertPayload(raw);
  let parsed: string;
  try {
    const a = parseAlert(payload);
    const labels = Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(', ');
    parsed = `Parsed as a ${a.source} alert: "${a.title}", severity ${a.severity ?? 'not given (the observability persona will assess it)'}, ${a.status} since ${a.startsAt}${labels ? `, labels ${labels}` : ''}.`;
  } catch (err) {
    if (!(err instanceof InvalidAlertError)) throw err;
    parsed = `It does not parse yet (${err.issues.join('; ')}). Fix those fields with the user first, or restate it as { "title", "severity", "labels", "annotations" }.`;
  }
  return redactText(`Triage this alert and drive the incident response.\n\nAlert:\n\`\`\`\n${raw.trim()}\n\`\`\`\n${parsed}\n\n${TRIAGE_STEPS}`);
}

export function registerPrompts(server: McpServer, incidents: IncidentService): void {
  const incidentIds = async (value: string | undefined): Promise<string[]> =>
    (await incidents.list()).filter((s) => s.id.startsWith(value ?? '')).sort((a, b) => b.startedAt.localeCompare(a.startedAt)).map((s) => s.id).slice(0, 50);

  server.registerPrompt(
    'triage-alert',
    {
      title: 'Triage an alert',
      description: 'Start an incident response on an alert and walk through it: status updates, approvals you decide, the post-mortem at the end.',
      argsSchema: {
        alert: z.string().min(1).max(200_000).describe('The alert: webhook or Prometheus JSON, or a one-line description'),
      },
    },
    ({ alert }): GetPromptResult => ({
      description: 'Triage an alert with firebreak',
      messages: [{ role: 'user', content: { type: 'text', text: triageText(alert) } }],
    }),
  );

  server.registerPrompt(
    'write-postmortem',
    {
      title: 'Write a post-mortem',
      description: 'Draft the blameless post-mortem of an incident from its record, ready to review.',
      argsSchema: {
        id: completable(z.string().min(1).max(200).describe('The incident id'), incidentIds),
      },
    },
    async ({ id }): Promise<GetPromptResult> => {
      const record = await incidents.get(id);
      if (!record) throw new McpError(ErrorCode.InvalidParams, `no incident '${id}'; incident_list shows the known ones`);
      const markdown = await incidents.postmortem(id);
      if (markdown === undefined) {
        const status = JSON.stringify(statusView(record, await incidents.pendingApprovals(id), 10), null, 2);
        return {
          description: `Incident ${id} is still ${record.status}`,
          messages: [{ role: 'user', content: { type: 'text', text: `Incident ${id} (${record.title}) has not ended: it is ${record.status}. Summarise where it stands for the incident channel instead, from this status, and say the post-mortem will follow:\n\n\`\`\`json\n${status}\n\`\`\`` } }],
        };
      }
      const instructions =
        `Here is the generated post-mortem of incident ${id} (${record.title}). Review it as its editor: keep every figure as measured (never invent one; ` +
        `"not measured" stays), keep it blameless, tighten the wording, and make each action item concrete with an owner placeholder. ` +
        `The full record is the resource ${incidentUri(id)} if you need a detail. Answer with the final markdown.`;
      return {
        description: `Post-mortem of ${id}`,
        messages: [
          { role: 'user', content: { type: 'text', text: instructions } },
          { role: 'user', content: { type: 'resource', resource: { uri: postmortemUri(id), mimeType: 'text/markdown', text: redactText(markdown) } } },
          { role: 'user', content: { type: 'text', text: `Persona outputs (JSON), for reference:\n\`\`\`json\n${JSON.stringify(redactJson(record.outputs), null, 2).slice(0, 20_000)}\n\`\`\`` } },
        ],
      };
    },
  );
}
