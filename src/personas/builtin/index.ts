export { observability, observabilityDefinition, observabilityOutput, type ObservabilityAssessment } from './observability.js';
export { backend, backendDefinition, backendOutput, type BackendFix } from './backend.js';
export { devops, devopsDefinition, devopsOutput, type DevopsReport } from './devops.js';
export { builtinToolCatalog, grafanaTools, githubTools, sandboxTools, deployTools } from './tool-catalog.js';
