/**
 * Every error a persona run throws, in one place, each with a stable `name`. Tool failures and malformed
 * model output are NOT errors: they go back to the model as error tool results. These end the persona.
 */

/** What a persona has spent so far; carried by every persona error so a report can say what it cost. */
export interface PersonaUsage {
  turns: number;
  toolCalls: number;
  /** All tokens processed: input + cache reads + cache writes + output. */
  tokens: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export type BudgetKind = 'tokens' | 'turns' | 'toolCalls';

/** A persona spent its token, turn or tool-call budget before giving a valid final answer. */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  constructor(
    readonly persona: string,
    readonly budget: BudgetKind,
    readonly limit: number,
    readonly usage: PersonaUsage,
  ) {
    super(`persona '${persona}' exceeded its ${budget} budget (${limit}); used ${usage.turns} turns, ${usage.toolCalls} tool calls, ${usage.tokens} tokens`);
  }
}

/** The model asked for the same tool with the same arguments too many times: a loop, stopped. */
export class RepeatedToolCallError extends Error {
  override readonly name = 'RepeatedToolCallError';
  constructor(
    readonly persona: string,
    readonly tool: string,
    readonly args: unknown,
    readonly count: number,
    readonly usage: PersonaUsage,
  ) {
    super(`persona '${persona}' called ${tool} with identical arguments ${count} times (limit ${count - 1}); stopped as a loop`);
  }
}

/** The model could not produce an answer matching the output schema within the allowed repairs. */
export class InvalidFinalAnswerError extends Error {
  override readonly name = 'InvalidFinalAnswerError';
  constructor(
    readonly persona: string,
    readonly attempts: number,
    readonly lastProblem: string,
    readonly usage: PersonaUsage,
  ) {
    super(`persona '${persona}' gave no valid final answer after ${attempts} attempt(s): ${lastProblem}`);
  }
}

/** The persona cannot run: no model or no tool set was supplied, or its definition is inconsistent. */
export class PersonaConfigError extends Error {
  override readonly name = 'PersonaConfigError';
  constructor(readonly persona: string, message: string) {
    super(`persona '${persona}': ${message}`);
  }
}

/** The input handed to a persona is not a PersonaInput (the message names the bad field). */
export class PersonaInputError extends Error {
  override readonly name = 'PersonaInputError';
  constructor(readonly persona: string, readonly issues: string) {
    super(`persona '${persona}': invalid input: ${issues}`);
  }
}
