import { isAbortError } from '../primitives/errors.js';
import type { Context, Step } from '../primitives/types.js';
import type { IncidentState } from './state.js';

/**
 * A workflow stage: a named step over IncidentState that announces itself ('stage' events, which the
 * incident timeline shows), is skipped once an earlier stage has failed, and turns its own failure into
 * `state.failure` instead of throwing — so the state keeps what earlier stages found, and the post-mortem can
 * say where the response stopped. Cancellation is never swallowed: it rejects, and a journaled run resumes.
 */
export function stage(
  name: string,
  label: string,
  body: (state: IncidentState, ctx: Context) => Promise<IncidentState>,
  skip: (state: IncidentState) => boolean = () => false,
): Step<IncidentState, IncidentState> {
  return {
    name,
    kind: 'stage',
    async run(state: IncidentState, ctx: Context): Promise<IncidentState> {
      if (state.failure || skip(state)) return state;
      ctx.emit('stage', { stage: label, status: 'start' });
      try {
        const next = await body(state, ctx);
        ctx.emit('stage', { stage: label, status: 'end', ...(next.failure ? { failed: next.failure.error } : {}) });
        return next;
      } catch (err) {
        if (ctx.signal.aborted || isAbortError(err)) throw err;
        const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        ctx.emit('stage', { stage: label, status: 'failed', error });
        return { ...state, failure: { stage: label, error } };
      }
    },
  };
}
