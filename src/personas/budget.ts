import { totalTokens } from '../models/usage.js';
import type { Usage } from '../models/types.js';
import { BudgetExceededError, type BudgetKind, type PersonaUsage } from './errors.js';
import type { PersonaBudget } from './types.js';

/** Counts what a persona spends and throws BudgetExceededError, with the usage so far, past any limit. */
export class BudgetTracker {
  readonly usage: PersonaUsage = { turns: 0, toolCalls: 0, tokens: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };

  constructor(private readonly persona: string, private readonly budget: PersonaBudget) {}

  /** Before a model call: is there a turn (and a token) left? */
  beginTurn(): void {
    if (this.usage.turns >= this.budget.turns) this.fail('turns');
    if (this.usage.tokens >= this.budget.tokens) this.fail('tokens');
    this.usage.turns++;
  }

  /** After a model call. */
  addModelUsage(u: Usage): void {
    this.usage.inputTokens += u.inputTokens;
    this.usage.outputTokens += u.outputTokens;
    this.usage.cacheReadTokens += u.cacheReadTokens ?? 0;
    this.usage.cacheWriteTokens += u.cacheWriteTokens ?? 0;
    this.usage.tokens += totalTokens(u);
    if (this.usage.tokens > this.budget.tokens) this.fail('tokens');
  }

  /** Before running `count` tool calls of one turn. */
  addToolCalls(count: number): void {
    if (this.usage.toolCalls + count > this.budget.toolCalls) this.fail('toolCalls');
    this.usage.toolCalls += count;
  }

  remainingTokens(): number {
    return Math.max(0, this.budget.tokens - this.usage.tokens);
  }

  turnsLeft(): number {
    return this.budget.turns - this.usage.turns;
  }

  snapshot(): PersonaUsage {
    return { ...this.usage };
  }

  private fail(kind: BudgetKind): never {
    throw new BudgetExceededError(this.persona, kind, this.budget[kind], this.snapshot());
  }
}
