// Workers for tests: in-process (`startTestWorker`) or as a real OS process (`spawnWorkerProcess`,
// which a test may SIGKILL). Both load the workflow bundle that global setup built once, and both
// take configuration the way production does: environment variables through loadConfig().
import { inject } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { createWorker } from '../../src/worker.js';
import { BackfillWorkflow } from '../../workflows/backfill.js';
import { workflowIdForJob, type BackfillInput, type Progress } from '../../workflows/messages.js';
import { baseEnv, ManagedProcess } from './proc.js';

export const TEST_POLYGON_KEY = 'test-polygon-key';

export interface WorkerEnvOptions {
  /** The test database (createTestDatabase()) or any { url }. */
  db: { url: string };
  taskQueue: string;
  polygonBaseUrl: string;
  /** Defaults to TEST_POLYGON_KEY. */
  apiKey?: string;
  /** Environment-style overrides, e.g. { UNIT_HEARTBEAT_TIMEOUT_SECONDS: '2', POLYGON_RATE_LIMIT_RPM: '120' }. */
  configOverrides?: Record<string, string>;
  /** Defaults to the run's dev server. */
  temporalAddress?: string;
  /** In-process workers share a pid: name them to tell them apart in histories. */
  identity?: string;
}

/** The environment a worker gets in tests: fast heartbeats, the prebuilt bundle, quiet logs. */
export function workerEnv(o: WorkerEnvOptions): Record<string, string> {
  return {
    DATABASE_URL: o.db.url,
    PG_POOL_MAX: '6',
    TEMPORAL_ADDRESS: o.temporalAddress ?? inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: o.taskQueue,
    POLYGON_BASE_URL: o.polygonBaseUrl,
    POLYGON_API_KEY: o.apiKey ?? TEST_POLYGON_KEY,
    UNIT_HEARTBEAT_TIMEOUT_SECONDS: '3',
    UNIT_DEADLINE_SECONDS: '120',
    WORKER_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    // Any free port: parallel test files (and engineers) run several workers on one host.
    WORKER_METRICS_PORT: '0',
    // Test webhook receivers listen on loopback, which production refuses.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    ...o.configOverrides,
  };
}

export interface TestWorker {
  worker: Worker;
  config: Config;
  /** The worker's own pool (separate from the test's, as separate processes would have). */
  pool: Pool;
  /** Shuts the worker down and waits for run() to end, then closes its connection and pool. */
  stop(): Promise<void>;
}

/**
 * The SDK's runtime is per process and logs every worker state change at INFO by default; tests
 * want warnings only (TEST_LOG_LEVEL=debug for more), and must leave SIGINT/SIGTERM to vitest.
 */
function quietSdkRuntime(): void {
  const level = (process.env.TEST_LOG_LEVEL?.toUpperCase() ?? 'WARN') as LogLevel;
  try {
    Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  } catch {
    // Already installed by an earlier worker of this test file.
  }
}

/** A worker running in this process on `taskQueue`, already polling. */
export async function startTestWorker(o: WorkerEnvOptions): Promise<TestWorker> {
  quietSdkRuntime();
  const config = loadConfig(workerEnv(o));
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_MAX, applicationName: 'backfill-test-worker' });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const logger = createLogger(config, { base: { component: 'test-worker' } });
  const worker = await createWorker({ config, pool, connection, logger, identity: o.identity });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    config,
    pool,
    stop() {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await connection.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
      })();
      return stopped;
    },
  };
}

export type WorkerProcess = ManagedProcess;

/**
 * `src/worker.ts` as a real child process (its own process group, so SIGKILL is exactly a crash).
 * Resolves once the worker logged 'worker started'. Pass workerEnv(...) as `env`.
 */
export async function spawnWorkerProcess(env: Record<string, string>, readyTimeoutMs = 30_000): Promise<ManagedProcess> {
  const proc = new ManagedProcess({
    name: 'worker',
    script: 'src/worker.ts',
    // At least info: readiness is the 'worker started' line, and the lines stay in `lines`, not the console.
    env: { ...baseEnv(), ...env, LOG_LEVEL: ['debug', 'trace'].includes(env.LOG_LEVEL ?? '') ? env.LOG_LEVEL! : 'info' },
  }).start();
  try {
    await proc.waitForLine(/"msg":"worker started"/, readyTimeoutMs);
  } catch (err) {
    await proc.kill9();
    throw err;
  }
  return proc;
}

/** A Temporal client on the run's dev server (or `address`); close() when done. */
export async function connectClient(address = inject('temporalAddress')): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/** Starts BackfillWorkflow the way the API does (workflow id from the job id), with test-friendly defaults. */
export async function startBackfill(
  client: Client,
  taskQueue: string,
  input: Pick<BackfillInput, 'jobId' | 'symbols' | 'timeframes' | 'startDate' | 'endDate'> & Partial<BackfillInput>,
): Promise<WorkflowHandle> {
  const full: BackfillInput = { adjusted: true, concurrency: 4, retryWindowSeconds: 0, ...input };
  return client.workflow.start(BackfillWorkflow, { taskQueue, workflowId: workflowIdForJob(input.jobId), args: [full] });
}

/** The workflow's result (its final Progress). */
export const resultOf = (h: WorkflowHandle) => h.result() as Promise<Progress>;
