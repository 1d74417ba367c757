export { persona, type PersonaStep } from './persona.js';
export { provide, type PersonaRuntime } from './runtime.js';
export { handoff } from './handoff.js';
export { personaInputSchema, type PersonaInput, type PersonaOptions, type PersonaBudget, type PersonaLimits } from './types.js';
export { compileAllowlist } from './allowlist.js';
export {
  BudgetExceededError,
  RepeatedToolCallError,
  InvalidFinalAnswerError,
  PersonaConfigError,
  PersonaInputError,
  type PersonaUsage,
  type BudgetKind,
} from './errors.js';
export { measureFixedContext, type FixedContext } from './context-size.js';
export {
  observability,
  observabilityDefinition,
  observabilityOutput,
  backend,
  backendDefinition,
  backendOutput,
  devops,
  devopsDefinition,
  devopsOutput,
  builtinToolCatalog,
  type ObservabilityAssessment,
  type BackendFix,
  type DevopsReport,
} from './builtin/index.js';
