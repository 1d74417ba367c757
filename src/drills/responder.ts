import type { Logger } from 'pino';
import { anthropicModel } from '../models/anthropic.js';
import { replayModel } from '../models/replay.js';
import type { ChatModel } from '../models/types.js';
import { connectTools, type ServerEntry } from '../tools/host/index.js';
import { playbookModels } from '../workflows/playbooks.js';
import { renderPostmortem as workflowPostmortem } from '../workflows/postmortem.js';
import { createIncidentService } from '../workflows/service.js';
import { ResponderUnavailableError } from './errors.js';
import type { Responder } from './lab-port.js';
import type { ModelChoice } from './model-choice.js';
import type { PostmortemRenderer } from './report/postmortem.js';

/**
 * ADAPTER — the one place the drills meet the incident workflow (src/workflows): the real responder.
 *
 * Per drill it connects a tool host to the lab's MCP servers, starts an incident service with the chosen
 * model(s), responds to the alert with approvals on `auto` (a drill has nobody to ask: human-only actions
 * such as maintenance mode are refused at once), waits for the
 * incident to end and closes everything it opened. What it gets is only what the runner hands it: the
 * alert, the lab's MCP config and the service's repository and SLOs — never the scenario.
 * Verification inside the workflow uses the service's own SLO checks and hold time, polled every 2 s
 * (a compressed lab recovers in seconds, not the production default's minutes).
 */
export async function defaultResponder(choice: ModelChoice, opts: { logger?: Logger } = {}): Promise<Responder> {
  const model = await modelFor(choice);
  return async (alert, lab, signal) => {
    const within = (lab.respondWithinMs ?? 300_000) / 1000;
    const tools = await connectTools({ mcpServers: lab.mcpServers as Record<string, ServerEntry>, ...(opts.logger ? { logger: opts.logger } : {}) });
    try {
      const service = await createIncidentService({
        tools,
        model,
        repository: lab.service.repository,
        baseBranch: lab.service.baseBranch,
        // Nobody is there to ask: risky actions are auto-approved and recorded so; human-only ones (maintenance
        // mode) are refused at once, and the incident escalates instead.
        approval: { policy: 'auto', human: false },
        journal: false,
        workflow: {
          verification: { checks: lab.service.slos, holdSeconds: lab.service.holdSeconds, intervalSeconds: 2, deadlineSeconds: 120 },
          // A compressed lab: a provider outage is waited out for up to 4 min; the response ends (and escalates)
          // 20 s before the drill's respond limit would cut it off.
          deploy: { waitSeconds: Math.min(240, Math.max(30, within - 60)), deployBackoffMs: 2_000 },
          budget: { wallClockSeconds: Math.max(60, within - 20) },
          // Releases in a drill live for seconds, not hours: 10 s of holding SLOs makes one known-good.
          changes: { knownGoodMinLiveSeconds: 10 },
        },
        ...(opts.logger ? { logger: opts.logger } : {}),
      });
      try {
        const { done } = await service.respond(alert, { approve: 'auto', signal });
        return await done;
      } finally {
        await service.close();
      }
    } finally {
      await tools.close();
    }
  };
}

/** The model(s) behind `--model`: one playbook per persona, or one model shared by every persona. */
async function modelFor(choice: ModelChoice): Promise<ChatModel | ((persona: string) => ChatModel | undefined)> {
  try {
    if (choice.kind === 'playbook') return await playbookModels();
    if (choice.kind === 'anthropic') return anthropicModel({ model: choice.model });
    return replayModel(choice.file);
  } catch (err) {
    throw new ResponderUnavailableError(`cannot use --model ${choice.kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The workflow's own post-mortem renderer (seed template: summary, impact, root cause, timeline, actions). */
export function defaultPostmortem(): PostmortemRenderer {
  return workflowPostmortem;
}
