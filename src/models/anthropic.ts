import Anthropic from '@anthropic-ai/sdk';
import type { Logger } from 'pino';
import { z } from 'zod';
import { backoff } from '../primitives/backoff/index.js';
import { InvalidOptionsError } from '../primitives/errors.js';
import { parseOptions } from '../primitives/options.js';
import { retry, withRetry } from '../primitives/retry.js';
import type { Context, Step } from '../primitives/types.js';
import { classifyAnthropicError, isRetryableModelError } from './anthropic-errors.js';
import { fromWireReply, toWireRequest, type CachePlan, type WireReply } from './anthropic-wire.js';
import type { ChatModel, ModelRequest, ModelResponse } from './types.js';

export interface AnthropicModelOptions {
  /** e.g. `claude-sonnet-5-5`. */
  model: string;
  /** Default: the ANTHROPIC_API_KEY environment variable. Never logged. */
  apiKey?: string;
  /** Default: the SDK's (ANTHROPIC_BASE_URL or https://api.anthropic.com). Point it at `anthropicWireServer` in tests. */
  baseURL?: string;
  /** Retries after the first call on 429 / 529 / overloaded / 5xx / connection errors; default 4. */
  maxRetries?: number;
  /** Backoff between retries (a retry-after header makes a wait longer); default 1 s doubling up to 30 s, full jitter. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Per-request timeout of the HTTP call in ms; default 10 minutes (the SDK's). */
  timeoutMs?: number;
  /** cache_control on the system prompt and the last tool definition; default true. */
  cacheFixedContext?: boolean;
  /** cache_control on the newest message, so earlier turns are read from cache; default true. */
  cacheConversation?: boolean;
  /** Logs retries when the model is called outside a run (inside a run they are 'retry' events). */
  logger?: Logger;
}

const optionsSchema = z
  .object({
    model: z.string().min(1),
    apiKey: z.string().min(1).optional(),
    baseURL: z.string().url().optional(),
    maxRetries: z.number().int().min(0).max(20).default(4),
    retryInitialMs: z.number().positive().default(1_000),
    retryMaxMs: z.number().positive().default(30_000),
    timeoutMs: z.number().int().positive().optional(),
    cacheFixedContext: z.boolean().default(true),
    cacheConversation: z.boolean().default(true),
    logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).warn === 'function', 'expected a pino logger').optional(),
  })
  .strict()
  .refine((o) => o.retryMaxMs >= o.retryInitialMs, { message: 'retryMaxMs must be >= retryInitialMs', path: ['retryMaxMs'] });

/**
 * Claude through the official SDK.
 *
 * When to use: real incident response with an LLM behind each persona.
 * What it does: sends the persona's conversation with tool definitions; puts prompt-cache breakpoints on the
 * system prompt and the last tool (the fixed context) and on the newest message; reports usage including
 * cache reads/writes; retries 429/529/overloaded/5xx through firebreak's retry primitive, honouring
 * retry-after (the SDK's own retries are off, so every retry is visible as a 'retry' event in the run).
 * Gotchas: the API key comes from `apiKey` or ANTHROPIC_API_KEY and is required at construction; prompt
 * caching only applies above the model's minimum cacheable length (about 1,024 tokens); requests are not
 * streamed, so keep max output tokens modest (the SDK refuses a non-streaming call it expects to take over
 * 10 minutes, around 21k output tokens) — personas default to 4,096.
 *
 * @example
 * const model = anthropicModel({ model: 'claude-sonnet-5-5' });
 */
export function anthropicModel(options: AnthropicModelOptions): ChatModel {
  const opts = parseOptions('anthropicModel', optionsSchema, options);
  const apiKey = opts.apiKey ?? process.env['ANTHROPIC_API_KEY'];
  if (!apiKey) {
    throw new InvalidOptionsError('anthropicModel', [{ path: 'apiKey', message: 'required: pass apiKey or set ANTHROPIC_API_KEY' }]);
  }
  const client = new Anthropic({
    apiKey,
    maxRetries: 0, // retries are firebreak's, so they honour the run's signal and show up in its timeline
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  });
  const cache: CachePlan = { fixed: opts.cacheFixedContext, conversation: opts.cacheConversation };

  async function callOnce(req: ModelRequest, signal: AbortSignal | undefined): Promise<ModelResponse> {
    const body = toWireRequest(opts.model, req, cache);
    try {
      const reply = await client.messages.create(body as unknown as Anthropic.MessageCreateParamsNonStreaming, signal ? { signal } : {});
      return fromWireReply(reply as unknown as WireReply);
    } catch (err) {
      throw classifyAnthropicError(err, signal);
    }
  }

  const policy = {
    attempts: opts.maxRetries + 1,
    backoff: backoff.exponential({ initialMs: opts.retryInitialMs, maxMs: opts.retryMaxMs, jitter: 'full' }),
    retryOn: isRetryableModelError,
  };
  const callStep: Step<ModelRequest, ModelResponse> = {
    name: 'anthropic.messages',
    kind: 'model-call',
    // Transparent: the persona's model step is what the path shows; retries are published at its path.
    transparent: true,
    run: (req, ctx) => callOnce(req, ctx.signal),
  };
  const retried = retry(callStep, policy);

  return {
    id: `anthropic:${opts.model}`,
    label: `Anthropic ${opts.model}`,
    generate(req: ModelRequest, signal?: AbortSignal, ctx?: Context): Promise<ModelResponse> {
      if (ctx) return ctx.run(retried, req, signal && signal !== ctx.signal ? { signal } : undefined);
      return withRetry((_attempt, s) => callOnce(req, s), {
        ...policy,
        onRetry: ({ attempt, delayMs, error }) =>
          opts.logger?.warn({ model: opts.model, attempt, delayMs, err: error instanceof Error ? error.message : String(error) }, 'anthropic call failed; retrying'),
      }, signal);
    },
  };
}
