import { z } from 'zod';
import { ROOT_CAUSE_CATEGORIES, type RootCauseCategory } from '../workflows/outputs.js';
import { kebab, serviceConfigInput } from './scenario-fields.js';

/** What a scenario expects of a response (scoring only) and the known right response (calibration): never shown to personas. */

const description = z.string().min(1);

/**
 * The known right response, for calibration, runner tests and docs. Never shown to personas.
 * - `config`: merge `config` over main's service.config.json, PR, merge, deploy;
 * - `rollback`: roll back to `to`: `known-good` (default) is the release live before the fault — not the
 *   deployer's "previous successful rollout", which after a failed hotfix is the bad release itself;
 *   `previous` is the deployer's default;
 * - `wait`: change nothing and let it pass (a third party's outage);
 * - `none`: nothing is broken (the no-fault drill).
 */
export const solutionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('config'), description, config: serviceConfigInput }),
  z.strictObject({ kind: z.literal('rollback'), description, to: z.enum(['known-good', 'previous']).default('known-good') }),
  z.strictObject({ kind: z.literal('wait'), description }),
  z.strictObject({ kind: z.literal('none'), description }),
]);

/** A service.config.json setting or section, dotted: `pool.size`, `sagas.recovery`, `workers`. */
const settingKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/, 'a dotted config key like "pool.size" or "sagas.recovery"');

/**
 * Ground truth for scoring ONLY. Either a diagnosis — the root-cause category, the component, and the
 * config keys (prefixes) a fix may change — or `action: none`: nothing is broken, the right response
 * changes nothing. Keys a bad-release fault (and its follow-ups) changed are always allowed too.
 */
export const expectedSchema = z
  .strictObject({
    /** `none`: a no-fault drill. Default `diagnose`. */
    action: z.enum(['diagnose', 'none']).default('diagnose'),
    category: z.enum(ROOT_CAUSE_CATEGORIES).optional(),
    component: kebab.optional(),
    /** Config keys (or prefixes) a fix may change; anything else merged or deployed is harm. */
    settings: z.array(settingKey).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.action === 'none') {
      for (const key of ['category', 'component', 'settings'] as const) {
        if (e[key] !== undefined) ctx.addIssue({ code: 'custom', message: 'not allowed with action: none (nothing is broken, so there is no cause to name)', path: [key] });
      }
      return;
    }
    if (e.category === undefined) ctx.addIssue({ code: 'custom', message: 'required: the expected root-cause category (or action: none)', path: ['category'] });
    if (e.component === undefined) ctx.addIssue({ code: 'custom', message: 'required: the expected component (or action: none)', path: ['component'] });
  })
  .transform((e): ExpectedOutcome => (e.action === 'none' ? { action: 'none' } : { action: 'diagnose', category: e.category!, component: e.component!, settings: e.settings ?? [] }));

/** What a scenario expects, parsed: a diagnosis (with the settings a fix may change) or no action at all. */
export type ExpectedOutcome = { action: 'diagnose'; category: RootCauseCategory; component: string; settings: string[] } | { action: 'none' };
