import type { Logger } from 'pino';
import type { DeployKeys } from './idempotency.js';
import { keyed } from './rollout-requests.js';
import type { ActionOptions, MaintenanceState, MaintenanceSwitch, MaintenanceSwitchRecord } from './types.js';

/**
 * A deployer's maintenance mode over the lab's switch: remembers when it last changed and every switch made
 * (the drills score "maintenance turned on without a human" from this record), de-duplicates keyed calls
 * like deploys and rollbacks, and logs each switch. Shared by every deployer.
 */
export function maintenanceControl(switcher: MaintenanceSwitch, keys: DeployKeys, logger: Logger): {
  state(): MaintenanceState;
  set(enabled: boolean, options?: ActionOptions): Promise<MaintenanceState>;
  /** Every switch made, oldest first (a replayed keyed call switches nothing and is not listed). */
  history(): MaintenanceSwitchRecord[];
} {
  let since: string | undefined;
  const switches: MaintenanceSwitchRecord[] = [];
  return {
    state: () => ({ enabled: switcher.maintenance(), since }),
    set: (enabled, o = {}) =>
      keyed(keys, 'maintenance', o.idempotencyKey, { enabled }, async () => {
        const at = new Date().toISOString();
        const changed = switcher.maintenance() !== enabled;
        if (changed) since = at;
        switcher.setMaintenance(enabled);
        switches.push({ at, enabled, changed, trigger: o.trigger ?? 'tool', reason: o.reason });
        logger.info({ maintenance: enabled, trigger: o.trigger ?? 'tool', reason: o.reason }, 'maintenance mode set');
        return { enabled, since };
      }),
    history: () => switches.map((s) => ({ ...s })),
  };
}
