export { createDeployer, type Deployer, type DeployerOptions } from './deployer.js';
export { createCommandDeployer, type CommandDeployerOptions, type DeployCommand } from './command-deployer.js';
export { createDeployerServer, DEPLOYER_SERVER_NAME } from './server.js';
export { startIngress, INGRESS_METRICS_PATH, type Ingress } from './ingress.js';
export { ReleaseSupervisor, type FirstStart, type SupervisorOptions } from './supervisor.js';
export { RolloutHistory } from './history.js';
export { exportRelease, probeHealth, waitHealthy, tailFile } from './releases.js';
export { DeployerStoppedError, RollbackTargetError, UnknownRefError } from './errors.js';
export type { DeployerControl, DeploymentStatus, HealthProbe, MaintenanceState, MaintenanceSwitch, Release, ReleaseState, Rollout, RolloutOutcome, RolloutTrigger } from './types.js';
