import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { z } from 'zod';
import { identityOf, SerialQueue, type ForgeContext } from './context.js';
import { ForgeHttpError, notFound } from './errors.js';
import { ForgeEventLog } from './events.js';
import { openRepo } from './repo-init.js';
import { match, type ForgeResponse, type Route } from './router.js';
import { actionRoutes } from './routes/actions.js';
import { commitRoutes } from './routes/commits.js';
import { contentsRoutes } from './routes/contents.js';
import { gitObjectRoutes } from './routes/git-objects.js';
import { issueRoutes } from './routes/issues.js';
import { mergeRoutes } from './routes/merge.js';
import { pullRoutes } from './routes/pulls.js';
import { refRoutes } from './routes/refs.js';
import { repoJson } from './shapes-issues.js';
import { userJson } from './shapes-git.js';
import { ForgeState } from './state.js';
import { stderrLogger } from '../../primitives/logger.js';

const Name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be a GitHub owner/repository name');

const ForgeOptionsSchema = z.object({
  repoDir: z.string().min(1),
  owner: Name,
  repo: Name,
  token: z.string().min(1).optional(),
  login: Name.optional(),
  defaultBranch: z.string().min(1).optional(),
  workflows: z.array(z.string().min(1)).optional(),
});

export type ForgeOptions = z.input<typeof ForgeOptionsSchema> & {
  /** Where request errors are logged; defaults to warn-level pino on stderr (never stdout). */
  readonly logger?: Logger;
};

/** A running forge. */
export interface Forge {
  /** Base URL for octokit's `baseUrl` / GITHUB_API_URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly owner: string;
  readonly repo: string;
  readonly repoDir: string;
  /** Everything that happened (PRs opened and merged, dispatches...) with timestamps. */
  readonly events: ForgeEventLog;
  /** Closes the listener and every open connection. Idempotent. */
  stop(): Promise<void>;
}

const MAX_BODY = 50 * 1024 * 1024;

/**
 * Starts a GitHub-compatible REST API on 127.0.0.1 (random port) over a real git repository: the git
 * forge of an incident drill. Point octokit, github-mcp-server or firebreak's github server at `url`.
 * Issues, PRs, comments and dispatches live in memory; refs, commits and files live in git.
 *
 * Gotchas: one repository per forge; with `token` set every request must send it (401 otherwise);
 * the repo's working tree (if not bare) is never updated — use `exportRef` to read merged code.
 */
export async function startForge(options: ForgeOptions): Promise<Forge> {
  const parsed = ForgeOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TypeError(`startForge: invalid option "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`);
  }
  const opts = parsed.data;
  const logger = options.logger ?? stderrLogger('forge');
  const git = await openRepo(opts.repoDir);
  const events = new ForgeEventLog();
  const routes: Route[] = [...refRoutes, ...gitObjectRoutes, ...contentsRoutes, ...commitRoutes, ...pullRoutes, ...mergeRoutes, ...issueRoutes, ...actionRoutes(opts.workflows ?? [])];
  const login = opts.login ?? 'firebreak-bot';
  let ctx: ForgeContext | undefined;

  const server = createServer((req, res) => {
    if (!ctx) return void res.writeHead(503).end();
    handle(ctx, routes, opts.token, req, res).catch((error: unknown) => {
      logger.error({ err: error, method: req.method, path: req.url?.split('?')[0] }, 'forge request failed');
      if (!res.headersSent) send(res, { status: 500, body: { message: 'Server Error' } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  ctx = {
    git,
    state: new ForgeState(),
    events,
    owner: opts.owner,
    repo: opts.repo,
    login,
    identity: identityOf(login),
    defaultBranch: opts.defaultBranch ?? 'main',
    apiUrl: url,
    repoApi: `${url}/repos/${opts.owner}/${opts.repo}`,
    htmlBase: `${url}/${opts.owner}/${opts.repo}`,
    writes: new SerialQueue(),
  };
  let stopped: Promise<void> | undefined;
  return {
    url,
    owner: opts.owner,
    repo: opts.repo,
    repoDir: opts.repoDir,
    events,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

async function handle(ctx: ForgeContext, routes: readonly Route[], token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.apiUrl);
  const method = req.method ?? 'GET';
  try {
    authorize(token, req.headers.authorization);
    // GitHub Enterprise clients use an /api/v3 prefix; accept both shapes.
    const path = url.pathname.replace(/^\/api\/v3(?=\/)/, '');
    if (method === 'GET' && path === '/user') return send(res, { status: 200, body: userJson(ctx, ctx.login) });
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!m || decodeURIComponent(m[1] ?? '').toLowerCase() !== ctx.owner.toLowerCase() || decodeURIComponent(m[2] ?? '').toLowerCase() !== ctx.repo.toLowerCase()) throw notFound();
    const rest = (m[3] ?? '').replace(/\/+$/, '');
    if (rest === '') {
      if (method !== 'GET') throw notFound();
      return send(res, { status: 200, body: repoJson(ctx) });
    }
    const found = match(routes, method, rest);
    // GitHub answers an unsupported method on a known path with 404 too.
    if ('allowed' in found) throw notFound();
    const body = await readJson(req);
    const response = await found.route.handler({ method, url, params: found.params, query: url.searchParams, headers: req.headers, body }, ctx);
    send(res, response);
  } catch (error) {
    if (error instanceof ForgeHttpError) return send(res, { status: error.status, body: error.body() });
    throw error;
  }
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

function authorize(token: string | undefined, header: string | undefined): void {
  if (!token) return;
  if (!header) throw new ForgeHttpError(401, 'Requires authentication');
  const presented = header.replace(/^(token|bearer)\s+/i, '');
  // Compare digests so timing does not leak the token's length or prefix.
  if (!timingSafeEqual(digest(presented), digest(token))) throw new ForgeHttpError(401, 'Bad credentials');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ForgeHttpError(413, 'Request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ForgeHttpError(400, 'Problems parsing JSON');
  }
}

function send(res: ServerResponse, response: ForgeResponse): void {
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': randomUUID(),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    ...response.headers,
  };
  if (response.text !== undefined) {
    res.writeHead(response.status, { ...headers, 'content-type': 'text/plain; charset=utf-8' }).end(response.text);
  } else if (response.body !== undefined) {
    res.writeHead(response.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(response.body));
  } else {
    res.writeHead(response.status, headers).end();
  }
}
