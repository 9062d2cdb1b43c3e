import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { loadConfig, type Config } from './config.js';
import { createPool, type Pool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { createRateLimiter } from './db/rate-limiter.js';
import { createLogger, type Logger } from './logger.js';
import { lowerThreadPriority } from './process-priority.js';
import { PolygonClient } from './polygon/index.js';
import { activityLogger } from './metrics/activity-log.js';
import { createIngestMetrics, type IngestMetrics } from './metrics/ingest-metrics.js';
import { createProcessRegistry } from './metrics/registry.js';
import { installWorkerRuntime } from './metrics/sdk-runtime.js';
import { startWorkerEndpoint } from './metrics/worker-endpoint.js';
import { createActivities } from '../activities/index.js';

// Under tsx this module is src/worker.ts and bundles the sources; compiled, it is dist/src/worker.js.
const COMPILED = !import.meta.url.endsWith('.ts');
export const WORKFLOWS_PATH = fileURLToPath(new URL(COMPILED ? '../workflows/index.js' : '../workflows/index.ts', import.meta.url));
/** How long a stopping worker lets running activities finish (compose's stop_grace_period exceeds it). */
export const SHUTDOWN_GRACE_SECONDS = 10;
/** Where `npm run build` writes the workflow bundle (scripts/build.mjs uses the same name). */
export const BUILT_WORKFLOW_BUNDLE = fileURLToPath(new URL('./workflow-bundle.js', import.meta.url));

export interface WorkerDeps {
  config: Config;
  pool: Pool;
  connection: NativeConnection;
  /** Defaults to config.TEMPORAL_TASK_QUEUE. */
  taskQueue?: string;
  logger: Logger;
  /** Injected client; when given, wiring the shared rate limiter into it is the caller's job. */
  polygon?: PolygonClient;
  /**
   * Prebuilt bundle (saves seconds and ~90 MB per worker); else config.WORKER_WORKFLOW_BUNDLE, else
   * the one the build put next to the compiled worker, else bundled now.
   */
  workflowBundle?: { codePath: string };
  /** Shown in histories as the worker that ran each task; defaults to pid@host. */
  identity?: string;
  /** Where ingestion is counted; a private registry nobody scrapes when absent. */
  metrics?: IngestMetrics;
}

/**
 * The limiter's row name: one per Polygon key, so workers sharing a key share a limit. A hash,
 * because the key itself must never be stored or logged.
 */
export function rateLimiterName(apiKey: string | undefined): string {
  return `polygon:${createHash('sha256').update(apiKey ?? '').digest('hex').slice(0, 16)}`;
}

/** A worker for BackfillWorkflow and its activities; call `run()` on it. */
export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  const { config, pool, logger } = deps;
  const metrics = deps.metrics ?? createIngestMetrics(new Registry());
  const limiter = createRateLimiter({ db: pool, name: rateLimiterName(config.polygonApiKey), rpm: config.POLYGON_RATE_LIMIT_RPM });
  const polygon =
    deps.polygon ??
    new PolygonClient({
      baseUrl: config.POLYGON_BASE_URL,
      apiKey: config.polygonApiKey,
      limit: config.POLYGON_PAGE_LIMIT,
      connectTimeoutMs: config.POLYGON_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: config.POLYGON_REQUEST_TIMEOUT_MS,
      beforeRequest: async (signal) => {
        const t0 = performance.now();
        await limiter.acquire(signal);
        metrics.rateLimiterWait((performance.now() - t0) / 1000);
      },
      onRequest: (info) => metrics.polygonRequest(info),
    });
  const activities = createActivities({ pool, polygon, limiter, config, metrics, logger: activityLogger(logger.child({ scope: 'activity' })) });
  const bundlePath = deps.workflowBundle?.codePath ?? config.WORKER_WORKFLOW_BUNDLE ?? builtWorkflowBundle();
  logger.info({ workflowBundle: bundlePath ?? null }, bundlePath ? 'workflow code: prebuilt bundle' : 'workflow code: bundling workflows/ now');
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: deps.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities,
    ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    // Long enough for a page transaction to commit; activities that outlive it are cancelled and
    // resumed elsewhere from their last committed page.
    shutdownGraceTime: `${SHUTDOWN_GRACE_SECONDS} seconds`,
    // Heartbeats carry cancellation to a running unit: at the default throttle (80% of a 30 s
    // heartbeat timeout) a cancelled job could keep fetching for 24 s.
    maxHeartbeatThrottleInterval: '5 seconds',
    ...(deps.identity ? { identity: deps.identity } : {}),
  });
}

function builtWorkflowBundle(): string | undefined {
  return COMPILED && existsSync(BUILT_WORKFLOW_BUNDLE) ? BUILT_WORKFLOW_BUNDLE : undefined;
}

async function connectWithRetry(address: string, logger: Logger, attempts = 60): Promise<NativeConnection> {
  for (let i = 1; ; i++) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (i >= attempts) throw err;
      if (i === 1) logger.warn({ address, err: (err as Error).message }, 'Temporal not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

export async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config, { base: { component: 'worker' } });
  lowerThreadPriority(config.WORKER_NICE, logger);
  const { sdkMetricsUrl } = await installWorkerRuntime(config, logger);

  await migrate(config.DATABASE_URL);
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_MAX, applicationName: 'backfill-worker' });
  const registry = createProcessRegistry(pool);
  let worker: Worker | undefined;
  const endpoint = await startWorkerEndpoint(config, logger, { registry, sdkMetricsUrl, healthy: () => worker?.getState() === 'RUNNING' });
  const connection = await connectWithRetry(config.TEMPORAL_ADDRESS, logger);
  try {
    worker = await createWorker({ config, pool, connection, logger, metrics: createIngestMetrics(registry) });
    // Again: the pool, the connection and the SDK's runtime started threads of their own meanwhile.
    lowerThreadPriority(config.WORKER_NICE, logger);
    logger.info(
      {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        namespace: config.TEMPORAL_NAMESPACE,
        temporal: config.TEMPORAL_ADDRESS,
        polygon: config.POLYGON_BASE_URL,
        polygonKeySet: config.polygonApiKey !== undefined,
        rateLimitRpm: config.POLYGON_RATE_LIMIT_RPM,
        metricsPort: endpoint?.port ?? null,
        nice: config.WORKER_NICE,
      },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close().catch(() => undefined);
    await endpoint?.close();
    await pool.end().catch(() => undefined);
  }
}

function isEntryPoint(): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(argv1)).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().catch((err) => {
    // Config errors name the variable, never its value; anything else is logged without secrets.
    process.stderr.write(`${JSON.stringify({ level: 60, msg: 'worker failed', err: (err as Error).message })}\n`);
    process.exit(1);
  });
}
