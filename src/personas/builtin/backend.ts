import { z } from 'zod';
import { persona, type PersonaStep } from '../persona.js';
import type { PersonaOptions } from '../types.js';

/** The backend engineer's fix: its design, the pull request, and the test run proving it. */
export const backendOutput = z.object({
  fixDesign: z.object({
    change: z.string().min(1).describe('What changes, with old -> new values'),
    rationale: z.string().min(1).describe('Why it fixes the root cause, citing the evidence'),
    files: z.array(z.string()).min(1),
  }),
  pullRequest: z.object({ number: z.number().int().positive(), url: z.string(), branch: z.string() }).nullable().describe('null if no PR could be opened'),
  tests: z.object({ command: z.string(), passed: z.boolean(), summary: z.string() }),
  risk: z.enum(['low', 'medium', 'high']),
  rollbackPlan: z.string().min(1),
});
export type BackendFix = z.infer<typeof backendOutput>;

const instructions = `Diagnose and fix, starting from the observability assessment in the handoff.
Method:
1. Confirm the hypothesis in the code: read the relevant config and code (get_file_contents, list_commits for recent changes).
2. Reproduce or check in the sandbox when you can.
3. Design the smallest safe fix (e.g. pool size, timeouts, retry policy); state old -> new values.
4. Create a branch hotfix/<short-cause>, commit the change with push_files, open a pull request whose body has: incident, root cause with evidence, fix, testing, rollback plan.
5. Run the repository's tests in the sandbox; report the command and the result honestly.
Do not merge or deploy: that is the devops engineer's job.`;

/** Definition of the built-in backend persona (no model or tools attached). */
export const backendDefinition: PersonaOptions<typeof backendOutput> = {
  name: 'backend',
  description: 'Backend engineer: finds the root cause in code and configuration, and opens a tested fix as a pull request.',
  instructions,
  tools: [
    // Reads, then branch + commit (push_files also covers single files) + PR: no merge, no deploy.
    'github.get_file_contents', 'github.list_commits',
    'github.create_branch', 'github.push_files', 'github.create_pull_request',
    'sandbox.*',
  ],
  budget: { tokens: 200_000, turns: 16, toolCalls: 24 },
  output: backendOutput,
};

/** The backend engineer (stage 2): GitHub reads and branch/PR writes plus the sandbox; outputs a BackendFix. */
export function backend(overrides: Partial<PersonaOptions<typeof backendOutput>> = {}): PersonaStep<BackendFix> {
  return persona({ ...backendDefinition, ...overrides });
}
