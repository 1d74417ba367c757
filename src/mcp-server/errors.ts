/**
 * Typed errors of the MCP server, in one place. Tool handlers turn them into `isError` results whose text is
 * the message, so each message says what was wrong and what to do instead.
 */

/** No incident with that id (in this process's incident service). */
export class IncidentNotFoundError extends Error {
  override readonly name = 'IncidentNotFoundError';
  constructor(readonly id: string) {
    super(`no incident '${id}'; incident_list shows the known ones`);
  }
}

/** incident_approve / incident_reject named no pending request, or an ambiguous one. */
export class ApprovalNotFoundError extends Error {
  override readonly name = 'ApprovalNotFoundError';
  constructor(readonly id: string, detail: string) {
    super(`incident ${id}: ${detail}`);
  }
}

/** persona_ask named a persona the server does not have. */
export class UnknownPersonaError extends Error {
  override readonly name = 'UnknownPersonaError';
  constructor(readonly persona: string, readonly known: readonly string[]) {
    super(`unknown persona '${persona}' (known: ${known.join(', ') || 'none'})`);
  }
}

/** drill_run named a scenario that does not exist. */
export class UnknownScenarioError extends Error {
  override readonly name = 'UnknownScenarioError';
  constructor(readonly scenario: string, readonly known: readonly string[]) {
    super(`unknown scenario '${scenario}' (known: ${known.join(', ') || 'none'}); drill_list shows them`);
  }
}

/** `firebreak mcp --http` on a non-loopback host without FIREBREAK_MCP_TOKEN, or another unsafe setting. */
export class McpServeConfigError extends Error {
  override readonly name = 'McpServeConfigError';
}

/** drill_run while another drill runs in this server: labs are heavy, one at a time. */
export class DrillBusyError extends Error {
  override readonly name = 'DrillBusyError';
  constructor(readonly running: string) {
    super(`drill '${running}' is running; one drill at a time (labs are heavy): wait for it, or cancel its drill_run`);
  }
}
