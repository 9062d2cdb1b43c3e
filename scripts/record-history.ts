// Records the history of real BackfillWorkflow jobs as JSON fixtures for the replay test, which
// fails when a change to workflow code would break determinism for jobs already running.
//
//   npx tsx scripts/record-history.ts            # writes test/fixtures/histories/*.json
//   npx tsx scripts/record-history.ts top-up-run # only the fixtures named (a new one, leaving the others as recorded)
//
// Needs Postgres (TEST_DATABASE_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres);
// starts its own Temporal dev server, simulator and worker, and cleans up after itself.
import { writeFile, mkdir } from 'node:fs/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
// CommonJS package (a dependency of every @temporalio/* package): default import, then destructure.
import proto from '@temporalio/proto';

const { temporal } = proto;
import { loadConfig } from '../src/config.js';
import { createPool } from '../src/db/pool.js';
import { migrate } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { createWorker } from '../src/worker.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { startPolygonSim } from '../src/polygon-sim/index.js';
import { BackfillWorkflow } from '../workflows/backfill.js';
import { TopUpWorkflow } from '../workflows/top-up.js';
import { temporalScheduleId, topUpWorkflowIdFor, type TopUpInput } from '../workflows/schedule-messages.js';
import {
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  retryFailedUpdate,
  workflowIdForJob,
  type BackfillInput,
} from '../workflows/messages.js';

const OUT_DIR = fileURLToPath(new URL('../test/fixtures/histories/', import.meta.url));
const ADMIN = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function until<T>(what: string, fn: () => Promise<T | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Saved as protobufjs' JSON object form of handle.fetchHistory() (longs, enums and bytes as
 * strings), which History.fromObject() reads back exactly. Not the CLI's proto3 JSON: the SDK's
 * historyToJSON/historyFromJSON trip over the two protobufjs versions installed side by side.
 */
async function save(name: string, handle: WorkflowHandle): Promise<void> {
  const history = await handle.fetchHistory();
  const obj = temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.fromObject(history), { longs: String, enums: String, bytes: String });
  await writeFile(`${OUT_DIR}${name}.json`, `${JSON.stringify(obj, null, 1)}\n`);
  console.log(`wrote ${OUT_DIR}${name}.json (${history.events?.length} events)`);
}

/** The fixtures to write: those named on the command line, or all of them. */
const ONLY = new Set(process.argv.slice(2));
const wanted = (name: string) => ONLY.size === 0 || ONLY.has(name);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dbName = `bf_record_${randomBytes(4).toString('hex')}`;
  const dbUrl = Object.assign(new URL(ADMIN), { pathname: `/${dbName}` }).toString();
  await migrate(dbUrl);
  const server = await startDevServer();
  const sim = await startPolygonSim({ faults: { notAuthorizedTickers: ['NFLX'] }, latencyMs: 50 });
  const taskQueue = 'record-history';
  const config = loadConfig({
    DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    POLYGON_BASE_URL: sim.url,
    POLYGON_API_KEY: 'record-key',
    UNIT_HEARTBEAT_TIMEOUT_SECONDS: '5',
    UNIT_DEADLINE_SECONDS: '120',
    LOG_LEVEL: 'warn',
  });
  const pool = createPool({ connectionString: dbUrl, max: 4 });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({ config, pool, connection: nativeConnection, logger: createLogger(config) });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    await mkdir(OUT_DIR, { recursive: true });
    const start = (input: BackfillInput) => client.workflow.start(BackfillWorkflow, { taskQueue, workflowId: workflowIdForJob(input.jobId), args: [input] });
    const base = { symbols: ['AAPL', 'NFLX', 'MSFT'], timeframes: ['1d', '1h'], startDate: '2024-05-06', endDate: '2024-05-08', adjusted: true, concurrency: 2 };

    // 1. Pause and resume, a not-entitled symbol, the retry window, retryFailed after the fix.
    if (wanted('backfill-pause-retry')) {
      const handle = await start({ jobId: randomUUID(), ...base, retryWindowSeconds: 120 });
      await handle.executeUpdate(pauseUpdate);
      await handle.executeUpdate(resumeUpdate);
      await until('completed_with_errors', async () => (await handle.query(progressQuery)).status === 'completed_with_errors');
      sim.setOptions({ faults: { notAuthorizedTickers: [] } });
      await handle.executeUpdate(retryFailedUpdate, { args: [{ symbols: ['NFLX'] }] });
      const result = await handle.result();
      if (result.status !== 'completed') throw new Error(`unexpected ${result.status}`);
      await save('backfill-pause-retry', handle);
    }
    // 2. Cancellation mid-job.
    if (wanted('backfill-cancelled')) {
      sim.setOptions({ latencyMs: 400 });
      const handle = await start({ jobId: randomUUID(), ...base, timeframes: ['1d', '1h', '5m'], retryWindowSeconds: 0 });
      await until('a unit running', async () => (await handle.query(progressQuery)).counts.running > 0);
      await new Promise((r) => setTimeout(r, 500));
      await handle.cancel();
      await handle.result().catch(() => undefined);
      await save('backfill-cancelled', handle);
    }
    // 3. A schedule's run (TopUpWorkflow): plans its range from the scheduled time, inserts the job,
    //    runs it as the child BackfillWorkflow and waits for it.
    if (wanted('top-up-run')) {
      sim.setOptions({ latencyMs: 0 });
      const id = `record-${randomBytes(3).toString('hex')}`;
      const input: TopUpInput = { scheduleId: id, symbols: ['AAPL', 'MSFT'], timeframes: ['1d'], adjusted: true, lookbackSessions: 3, concurrency: 2 };
      const schedule = await client.schedule.create({
        scheduleId: temporalScheduleId(id),
        spec: { cronExpressions: ['0 3 1 1 *'], timezone: 'America/New_York' },
        action: { type: 'startWorkflow', workflowType: TopUpWorkflow, workflowId: topUpWorkflowIdFor(id), taskQueue, args: [input] },
        state: { paused: true },
      });
      await schedule.trigger();
      const runId = await until('the run', async () => (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId ?? false);
      const handle = client.workflow.getHandle(runId);
      await handle.result();
      await save('top-up-run', handle);
      await schedule.delete();
    }
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await nativeConnection.close();
    await connection.close();
    await pool.end();
    await sim.close();
    await server.stop();
    const admin = new pg.Client({ connectionString: ADMIN });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(dbName)} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
