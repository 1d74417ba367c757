/**
 * README.md of the service repository: what the service is, its configuration reference and the team's
 * runbooks. The same text for every scenario — it documents the service, never the drill's answer.
 */
export function renderReadme(o: { serviceName: string; owner: string; repo: string }): string {
  return `# ${o.serviceName}

The workflows API of ${o.owner}: executes workflows against the payments database, runs background tasks
from a task queue, places orders through the payments API and coordinates provisioning sagas.

Everything that changes between releases is in \`service.config.json\`; the service binary is the
platform's. Merging to \`main\` does not deploy: deploys are explicit (\`deploy.deploy_service\` with a
ref), and every rollout is recorded (\`deploy.rollout_status\`).

## Endpoints

| Endpoint | What it does |
|---|---|
| \`GET/POST /api/workflows/execute\` | takes a database connection from the pool, runs the workflow query |
| \`POST /api/tasks\` | enqueues a background task for the worker pool (202) |
| \`POST /api/orders\` | charges the order through the payments API, with retries |
| \`POST /api/sagas\`, \`GET /api/sagas\` | starts a provisioning saga; summary of the saga table |
| \`GET /healthz\`, \`GET /metrics\` | health (pool, workers, sagas), Prometheus metrics |

## Configuration (service.config.json)

Fields left out take the default shown. Unknown fields are rejected at startup (exit 78).

| Field | Default | Meaning |
|---|---|---|
| \`service.name\`, \`service.version\` | workflows-api, 1.0.0 | identity; \`build_info{version,revision}\` |
| \`pool.size\` | 10 | database connections |
| \`pool.acquireTimeoutMs\` | 2400 | how long a request waits for a free connection (null: forever); then HTTP 500 |
| \`pool.maxWaiters\` | null | bound of the connection wait queue (null: unbounded); past it requests fail at once |
| \`workers.concurrency\` | 8 | worker slots consuming the task queue |
| \`workers.taskTimeoutMs\` | null | per-attempt timeout (null: a task holds its slot until it finishes) |
| \`workers.maxAttempts\` | 3 | attempts per task; a timed-out attempt is retried until this |
| \`workers.maxQueueDepth\` | null | task queue bound (null: unbounded); past it /api/tasks answers 503 |
| \`dependency.name\`, \`dependency.path\` | payments-api, /charge | the outbound payments API |
| \`dependency.timeoutMs\` | 5000 | per-attempt timeout |
| \`dependency.retries\` | 3 | retries after the first attempt |
| \`dependency.backoffMs\`, \`dependency.maxBackoffMs\` | 500, 10000 | exponential backoff base and cap |
| \`dependency.jitter\` | none | \`none\` (fixed schedule) or \`full\` (uniform in [0, backoff]) |
| \`sagas.processor.*\` | | poll interval, batch size, max concurrent sagas |
| \`sagas.recovery.enabled\` | false | run the stuck-saga runbook automatically (below) |
| \`sagas.recovery.staleAfterMs\` | 1800000 | a RUNNING saga not updated for this long is stuck |
| \`sagas.recovery.maxRetries\` | 3 | only sagas with \`retry_count\` below this are re-queued |
| \`startup.requires\` | [] | what must exist in the environment; a missing one aborts startup (exit 1) |
| \`observability.*\` | | runtime stats log period, access log |

\`pool.queryLatency\`, \`workers.taskDuration\` and \`sagas.processor.stepDuration\` describe the environment
(how long the database and downstream calls take). The platform sets them; do not set them here.

\`capacity.json\` holds the capacity plan (peak traffic per endpoint, latency targets) and what the
environment provides. \`npm test\` (\`node --test\`) checks the config against it: run it before every PR.

## Operations

- Deploy: \`deploy.deploy_service { ref }\` exports the ref, restarts the service with its config and
  health-checks \`/healthz\`. A release that does not come up is reported failed and keeps crash-looping
  until the next deploy — nothing is rolled back automatically.
- Roll back: \`deploy.rollback {}\` redeploys the previous healthy release (\`{ to }\`: a revision or release id).
- Maintenance: \`deploy.maintenance_mode { enabled }\` makes the ingress answer 503 at once (sheds all load).
- Logs: JSON lines with \`msg\`, \`level\`, \`err\` and pool/worker stats; metrics names follow the
  dashboards (\`http_requests_total\`, \`http_request_duration_seconds\`, \`database_connection_pool_*\`,
  \`task_*\`, \`dependency_client_*\`, \`saga_*\`).

## Runbooks

### Stuck sagas (sagas stuck in RUNNING)

A coordinator that dies mid-saga (OOM kill, redeploy) leaves its sagas RUNNING with nobody driving them;
\`saga_oldest_running_age_seconds\` grows. Recovery: mark stale RUNNING sagas \`RETRY_PENDING\` where
\`retry_count < 3\`, so the processor picks them up again; sagas past the retry budget need a human.
\`sagas.recovery\` runs exactly this on a timer.

### Elevated error rate / latency

Check which endpoint, then its saturation metrics (pool usage and waiters, worker slots and queue depth,
dependency retries) and the error logs. Prefer fail-fast limits (bounded queues, timeouts) to waiting.

### Bad release

If a deploy fails (crash loop, health check), roll back first, then fix forward with a PR.
`;
}
