import type { Logger } from 'pino';
import type { DeployKeys } from './idempotency.js';
import { keyed } from './rollout-requests.js';
import type { ActionOptions, MaintenanceState, MaintenanceSwitch } from './types.js';

/**
 * A deployer's maintenance mode over the lab's switch: remembers when it last changed, de-duplicates keyed
 * calls like deploys and rollbacks, and logs each switch. Shared by every deployer.
 */
export function maintenanceControl(switcher: MaintenanceSwitch, keys: DeployKeys, logger: Logger): {
  state(): MaintenanceState;
  set(enabled: boolean, options?: ActionOptions): Promise<MaintenanceState>;
} {
  let since: string | undefined;
  return {
    state: () => ({ enabled: switcher.maintenance(), since }),
    set: (enabled, o = {}) =>
      keyed(keys, 'maintenance', o.idempotencyKey, { enabled }, async () => {
        if (switcher.maintenance() !== enabled) since = new Date().toISOString();
        switcher.setMaintenance(enabled);
        logger.info({ maintenance: enabled, trigger: o.trigger ?? 'tool', reason: o.reason }, 'maintenance mode set');
        return { enabled, since };
      }),
  };
}
