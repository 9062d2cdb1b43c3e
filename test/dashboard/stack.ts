// The whole product on loopback for the dashboard and CLI end-to-end tests: a fresh database, the
// Polygon simulator, an in-process worker on its own task queue, and the real API (createApp, which
// mounts the dashboard) served over HTTP by @hono/node-server on a free port.
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/api/app.js';
import { startPolygonSim, type PolygonSim, type SimFaults, type SimTickers } from '../../src/polygon-sim/index.js';
import { createTestDatabase, temporalAddress, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';
import { startTestWorker, TEST_POLYGON_KEY, type TestWorker } from '../helpers/worker.js';

export interface Stack {
  /** http://127.0.0.1:<port>, the API and the dashboard. */
  url: string;
  sim: PolygonSim;
  db: TestDatabase;
  worker: TestWorker;
  taskQueue: string;
  /** The API's log lines (pino JSON), for diagnosing a failed test. */
  logs: string[];
  close(): Promise<void>;
}

export interface StackOptions {
  label?: string;
  faults?: SimFaults;
  /** Per-ticker simulator data: listing dates, missing sessions, bad bars. */
  tickers?: SimTickers;
  /** API_KEYS for the API. */
  apiKeys?: string[];
  /** Extra API environment (JOB_RETRY_WINDOW_SECONDS, ...). */
  env?: Record<string, string>;
  /** Simulated Polygon latency per request, to make progress visible. */
  latencyMs?: number;
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const db = await createTestDatabase(o.label ?? 'ui');
    closers.push(() => db.drop());
    const sim = await startPolygonSim({ apiKeys: [TEST_POLYGON_KEY], faults: o.faults, latencyMs: o.latencyMs, tickers: o.tickers });
    closers.push(() => sim.close());
    const taskQueue = uniqueTaskQueue(o.label ?? 'ui');
    const worker = await startTestWorker({
      db,
      taskQueue,
      polygonBaseUrl: sim.url,
      // Expected unit failures (the not-entitled ticker) would otherwise fill the test output.
      configOverrides: { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error' },
    });
    closers.push(() => worker.stop());

    const connection = await Connection.connect({ address: temporalAddress() });
    closers.push(() => connection.close());
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        logs.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const config = loadConfig({
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_UI_URL: 'http://localhost:8233',
      LOG_LEVEL: 'info',
      JOB_RETRY_WINDOW_SECONDS: '600',
      ...(o.apiKeys?.length ? { API_KEYS: o.apiKeys.join(',') } : {}),
      ...o.env,
    });
    const app = createApp({
      config,
      pool: db.pool,
      temporal: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
      logger: createLogger(config, { destination }),
    });
    const server: ServerType = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
      s.once('error', reject);
    });
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        }),
    );
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, sim, db, worker, taskQueue, logs, close };
  } catch (err) {
    await close();
    throw err;
  }
}
