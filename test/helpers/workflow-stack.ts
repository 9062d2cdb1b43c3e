// The stack a workflow test runs against, set up before its describe block's tests and torn down
// after them: a cloned database, a Polygon simulator, in-process workers on a task queue of their
// own, and a Temporal client (on the run's dev server, or on a private one with its own settings).
import { afterAll, beforeAll } from 'vitest';
import type { Client } from '@temporalio/client';
import { startPolygonSim, type PolygonSim, type StartSimOptions } from '../../src/polygon-sim/index.js';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { createTestDatabase, uniqueTaskQueue, type TestDatabase } from './env.js';
import { connectClient, startTestWorker, type TestWorker, type WorkerEnvOptions } from './worker.js';

export interface WorkflowStackOptions {
  sim?: StartSimOptions;
  /** Another Polygon double instead of the simulator (a server answering fixed bodies). */
  upstream?: () => Promise<Pick<PolygonSim, 'url' | 'close'>>;
  /** The one in-process worker's settings (shorthand for `workers: [worker]`). */
  worker?: WorkerSettings;
  /** One entry per in-process worker (default: one with defaults); [] for a test that spawns its own. */
  workers?: WorkerSettings[];
  /** A private Temporal dev server with these options, instead of the run's shared one. */
  devServer?: DevServerOptions;
}

type WorkerSettings = Pick<WorkerEnvOptions, 'configOverrides' | 'identity'>;

export interface WorkflowStack {
  readonly label: string;
  readonly taskQueue: string;
  readonly db: TestDatabase;
  /** The simulator, or the `upstream` double (then only url and close). */
  readonly sim: PolygonSim;
  readonly client: Client;
  /** The first worker. */
  readonly worker: TestWorker;
  readonly workers: TestWorker[];
  /** The address workers and clients use (the private server's, if any). */
  readonly temporalAddress: string | undefined;
}

export function useWorkflowStack(label: string, opts: WorkflowStackOptions = {}): WorkflowStack {
  const taskQueue = uniqueTaskQueue(label);
  let db: TestDatabase | undefined;
  let sim: PolygonSim | undefined;
  let server: DevServer | undefined;
  let client: Client | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  const workers: TestWorker[] = [];

  beforeAll(async () => {
    [db, sim, server] = await Promise.all([
      createTestDatabase(label),
      opts.upstream ? (opts.upstream() as Promise<PolygonSim>) : startPolygonSim(opts.sim ?? {}),
      opts.devServer ? startDevServer(opts.devServer) : Promise.resolve(undefined),
    ]);
    const address = server?.address;
    workers.push(
      ...(await Promise.all(
        (opts.workers ?? [opts.worker ?? {}]).map((w) => startTestWorker({ db: db!, taskQueue, polygonBaseUrl: sim!.url, temporalAddress: address, ...w })),
      )),
    );
    ({ client, close: closeClient } = await connectClient(address));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await closeClient?.();
    await sim?.close();
    await db?.drop();
    await server?.stop();
  });

  const ready = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`workflow stack ${label}: ${what} used before its beforeAll ran`);
    return v;
  };
  return {
    label,
    taskQueue,
    get db() {
      return ready('db', db);
    },
    get sim() {
      return ready('sim', sim);
    },
    get client() {
      return ready('client', client);
    },
    get worker() {
      return ready('worker', workers[0]);
    },
    workers,
    get temporalAddress() {
      return server?.address;
    },
  };
}
