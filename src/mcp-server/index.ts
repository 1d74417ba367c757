export { createFirebreakMcpServer, FIREBREAK_MCP_INSTRUCTIONS } from './server.js';
export { serveFirebreakHttp, serveFirebreakStdio, checkBind, isLoopbackHost, MIN_TOKEN_LENGTH, type FirebreakHttpOptions } from './serve.js';
export { personaDesk, type PersonaDeskOptions } from './persona-desk.js';
export { drillDesk, type DrillDeskOptions } from './drill-desk.js';
export { openMcpRuntime, type McpRuntime, type OpenMcpDepsOptions } from './deps.js';
export { incidentUri, postmortemUri, INCIDENT_URI_TEMPLATE, POSTMORTEM_URI_TEMPLATE } from './incident-view.js';
export { IncidentNotFoundError, ApprovalNotFoundError, UnknownPersonaError, UnknownScenarioError, McpServeConfigError, DrillBusyError } from './errors.js';
export type {
  FirebreakMcpDeps,
  FirebreakMcpOptions,
  PersonaDesk,
  PersonaInfo,
  PersonaQuestion,
  PersonaAnswer,
  PersonaAskOptions,
  DrillDesk,
  DrillInfo,
  DrillRunReport,
} from './types.js';
