export { configSchema, type FirebreakConfig, type FirebreakConfigInput } from './schema.js';
export { loadConfig, parseConfig, ConfigError, DEFAULT_CONFIG_FILE } from './load.js';
export { openResponder, type ResponderRuntime, type OpenResponderOptions } from './runtime.js';
export { incidentRunnerFor } from './runner.js';
