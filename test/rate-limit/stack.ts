import { afterAll, beforeAll } from 'vitest';
import type { Client } from '@temporalio/client';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from '../helpers/env.js';
import { connectClient, startTestWorker, type TestWorker } from '../helpers/worker.js';
import { startPolygonSim, type PolygonSim, type StartSimOptions } from '../../src/polygon-sim/index.js';

/** What the suite's hooks fill in before its first test. */
export interface Stack {
  db: TestDatabase;
  sim: PolygonSim;
  worker: TestWorker;
  client: Client;
  taskQueue: string;
}

/**
 * Registers hooks that start a database, a simulator, an in-process worker and a client for the
 * suite, and tear them down after it; the returned object is filled in by the time tests run.
 */
export function useStack(label: string, o: { sim?: StartSimOptions; config?: Record<string, string> } = {}): Stack {
  const stack = { taskQueue: uniqueTaskQueue(label) } as Stack;
  const closers: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    const [db, sim] = await Promise.all([createTestDatabase(label), startPolygonSim(o.sim ?? {})]);
    closers.push(() => db.drop(), () => sim.close());
    Object.assign(stack, { db, sim });
    stack.worker = await startTestWorker({ db, taskQueue: stack.taskQueue, polygonBaseUrl: sim.url, configOverrides: o.config });
    closers.push(() => stack.worker.stop());
    const c = await connectClient();
    closers.push(() => c.close());
    stack.client = c.client;
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  });
  return stack;
}
