// One test file's whole stack for workflow-level tests: a fresh database, the simulator, an
// in-process worker on its own task queue and a Temporal client, started before the file's tests
// and torn down after them (in reverse order, whatever failed to start).
import { afterAll, beforeAll } from 'vitest';
import type { Client } from '@temporalio/client';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from './env.js';
import { connectClient, startTestWorker, type TestWorker, type WorkerEnvOptions } from './worker.js';
import { startPolygonSim, type PolygonSim, type SimOptions } from '../../src/polygon-sim/index.js';

export interface WorkflowStack {
  db: TestDatabase;
  /** The simulator, or the `upstream` double (then only url and close). */
  sim: PolygonSim;
  worker: TestWorker;
  client: Client;
  taskQueue: string;
}

export interface WorkflowStackOptions {
  sim?: SimOptions;
  worker?: Pick<WorkerEnvOptions, 'configOverrides'>;
  /** Another Polygon double instead of the simulator (a server answering fixed bodies). */
  upstream?: () => Promise<Pick<PolygonSim, 'url' | 'close'>>;
}

export function useWorkflowStack(label: string, opts: WorkflowStackOptions = {}): WorkflowStack {
  const stack = { taskQueue: uniqueTaskQueue(label) } as WorkflowStack;
  const undo: (() => Promise<unknown>)[] = [];
  beforeAll(async () => {
    const [db, sim] = await Promise.all([createTestDatabase(label), opts.upstream ? opts.upstream() : startPolygonSim(opts.sim ?? {})]);
    undo.push(() => db.drop(), () => sim.close());
    Object.assign(stack, { db, sim: sim as PolygonSim });
    stack.worker = await startTestWorker({ db, taskQueue: stack.taskQueue, polygonBaseUrl: sim.url, ...opts.worker });
    undo.push(() => stack.worker.stop());
    const temporal = await connectClient();
    undo.push(temporal.close);
    stack.client = temporal.client;
  });
  afterAll(async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
  });
  return stack;
}
