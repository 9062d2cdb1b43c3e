import { createHash } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { loadConfig, type Config } from './config.js';
import { createPool, type Pool } from './db/pool.js';
import { migrate } from './db/migrate.js';
import { createRateLimiter } from './db/rate-limiter.js';
import { createLogger, type Logger } from './logger.js';
import { PolygonClient } from './polygon/index.js';
import { createActivities } from '../activities/index.js';

// Under tsx this module is src/worker.ts and bundles the sources; compiled, it is dist/src/worker.js.
const COMPILED = !import.meta.url.endsWith('.ts');
export const WORKFLOWS_PATH = fileURLToPath(new URL(COMPILED ? '../workflows/index.js' : '../workflows/index.ts', import.meta.url));
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
  const limiter = createRateLimiter({ db: pool, name: rateLimiterName(config.polygonApiKey), rpm: config.POLYGON_RATE_LIMIT_RPM });
  const polygon =
    deps.polygon ??
    new PolygonClient({
      baseUrl: config.POLYGON_BASE_URL,
      apiKey: config.polygonApiKey,
      limit: config.POLYGON_PAGE_LIMIT,
      connectTimeoutMs: config.POLYGON_CONNECT_TIMEOUT_MS,
      requestTimeoutMs: config.POLYGON_REQUEST_TIMEOUT_MS,
      beforeRequest: async (signal) => void (await limiter.acquire(signal)),
    });
  const activities = createActivities({ pool, polygon, limiter, config, logger: logger.child({ scope: 'activity' }) });
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
    shutdownGraceTime: '10 seconds',
    // Heartbeats carry cancellation to a running unit: at the default throttle (80% of a 30 s
    // heartbeat timeout) a cancelled job could keep fetching for 24 s.
    maxHeartbeatThrottleInterval: '5 seconds',
    ...(deps.identity ? { identity: deps.identity } : {}),
  });
}

function builtWorkflowBundle(): string | undefined {
  return COMPILED && existsSync(BUILT_WORKFLOW_BUNDLE) ? BUILT_WORKFLOW_BUNDLE : undefined;
}

/** Routes the SDK's own log lines (worker, workflow `log`) into pino, as JSON like the rest. */
function sdkLogger(logger: Logger, level: LogLevel): DefaultLogger {
  const sdk = logger.child({ scope: 'temporal' });
  return new DefaultLogger(level, ({ level: l, message, meta }) => {
    const method = l === 'TRACE' ? 'trace' : l === 'DEBUG' ? 'debug' : l === 'INFO' ? 'info' : l === 'WARN' ? 'warn' : 'error';
    sdk[method](meta ?? {}, message);
  });
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
  const sdkLevel: LogLevel = config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'DEBUG' : config.LOG_LEVEL === 'info' ? 'INFO' : 'WARN';
  // Runtime handles SIGINT/SIGTERM: it asks every worker to shut down, and run() then resolves.
  Runtime.install({ logger: sdkLogger(logger, sdkLevel) });

  await migrate(config.DATABASE_URL);
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_MAX, applicationName: 'backfill-worker' });
  const connection = await connectWithRetry(config.TEMPORAL_ADDRESS, logger);
  try {
    const worker = await createWorker({ config, pool, connection, logger });
    logger.info(
      {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        namespace: config.TEMPORAL_NAMESPACE,
        temporal: config.TEMPORAL_ADDRESS,
        polygon: config.POLYGON_BASE_URL,
        polygonKeySet: config.polygonApiKey !== undefined,
        rateLimitRpm: config.POLYGON_RATE_LIMIT_RPM,
      },
      'worker started',
    );
    await worker.run();
    logger.info('worker stopped');
  } finally {
    await connection.close().catch(() => undefined);
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
