// Shared set-up of a scenario: artifacts folder, report (printer), seed, a database (a clone of the
// template on the shared Postgres, or a private cluster), a Temporal client (shared dev server or a
// private restartable one), the Polygon simulator, and the product stack. `teardown` undoes it all.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { startPolygonSim, expectedBars, BarSource } from '../../../src/polygon-sim/index.js';
import { checkDatabase, type CheckSummary, type JobExpectation } from './checker.js';
import { scenarioDir } from './paths.js';
import { createFaultDatabase, createPrivateDatabase, startPrivatePostgres, type FaultDatabase, type PrivatePostgres } from './postgres.js';
import { stopAll } from '../../helpers/proc.js';
import { rng, seedFor, type Rng } from './random.js';
import { createReport, type Report } from './report.js';
import { Stack } from './stack.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { connectClient, RestartableTemporal } from './temporal.js';
import { join } from 'node:path';

export type Sim = Awaited<ReturnType<typeof startPolygonSim>>;
export type SimOptions = NonNullable<Parameters<typeof startPolygonSim>[0]>;

export interface ScenarioOptions {
  /** Start a private Postgres cluster (for scenarios that stop it). */
  privatePostgres?: boolean;
  /** Start a private, restartable Temporal dev server on a SQLite file (for scenarios that kill it). */
  privateTemporal?: boolean;
  sim?: SimOptions;
  /** Environment for every product process of the stack. */
  env?: Record<string, string>;
  polygonKey?: string;
  /** Put the 429-storm proxy between the product and the simulator. */
  proxy?: boolean;
}

export interface Scenario {
  name: string;
  dir: string;
  report: Report;
  rng: Rng;
  seed: number;
  db: FaultDatabase;
  pg?: PrivatePostgres;
  temporal?: RestartableTemporal;
  temporalAddress: string;
  client: Client;
  connection: Connection;
  taskQueue: string;
  sim: Sim;
  proxy?: FaultProxy;
  polygonKey: string;
  stack: Stack;
  check(jobs: JobExpectation[], opts?: { exclusive?: boolean }): Promise<CheckSummary>;
  teardown(): Promise<void>;
}

export async function setupScenario(name: string, opts: ScenarioOptions = {}): Promise<Scenario> {
  const dir = scenarioDir(inject('runId'), name);
  const report = createReport(name, dir);
  const seed = seedFor(name, inject('faultsSeed'));
  report.setup(`seed ${seed} (suite seed ${inject('faultsSeed')}; replay with FAULTS_SEED=${inject('faultsSeed')}); artifacts in ${dir}`);
  const cleanups: Array<() => Promise<void>> = [];
  try {
    let pg: PrivatePostgres | undefined;
    let db: FaultDatabase;
    if (opts.privatePostgres) {
      pg = await startPrivatePostgres({ copyLogTo: join(dir, 'postgres.log') });
      cleanups.push(async () => pg!.destroy());
      db = await createPrivateDatabase(pg);
      report.setup(`private Postgres on 127.0.0.1:${pg.port} (${pg.dir})`);
    } else {
      db = await createFaultDatabase(name);
      report.setup(`database ${db.name} cloned from the migrated template`);
    }
    cleanups.push(() => db.drop());

    let temporal: RestartableTemporal | undefined;
    let address = inject('temporalAddress');
    if (opts.privateTemporal) {
      temporal = new RestartableTemporal(join(dir, 'temporal.log'));
      await temporal.start();
      cleanups.push(() => temporal!.destroy());
      address = temporal.address;
      report.setup(`private Temporal dev server on ${address}, state in ${temporal.dbFile}`);
    }
    const { client, connection } = await connectClient(address);
    cleanups.push(() => connection.close());

    const polygonKey = opts.polygonKey ?? `sim-key-${randomBytes(6).toString('hex')}`;
    const sim = await startPolygonSim({ ...opts.sim, apiKeys: [polygonKey] });
    cleanups.push(() => sim.close());
    report.setup(`Polygon simulator at ${sim.url} ${JSON.stringify({ ...opts.sim, apiKeys: undefined })}`);

    let proxy: FaultProxy | undefined;
    if (opts.proxy) {
      proxy = await startFaultProxy(sim.url, seed);
      cleanups.push(() => proxy!.close());
      report.setup(`429-storm proxy at ${proxy.url} in front of the simulator`);
    }

    // The simulator's truth, computed independently of the running server (same deterministic bars,
    // same per-ticker gaps and bad bars).
    const truth = new BarSource({ cacheBytes: 64 * 1024 * 1024, tickers: opts.sim?.tickers });
    const taskQueue = `faults-${name}-${randomBytes(4).toString('hex')}`;
    const stack = new Stack({
      report,
      dir,
      databaseUrl: db.url,
      temporalAddress: address,
      taskQueue,
      polygonUrl: proxy?.url ?? sim.url,
      polygonKey,
      client,
      env: { WORKER_WORKFLOW_BUNDLE: inject('workflowBundlePath'), ...opts.env },
    });
    // Processes first: they hold connections to everything else.
    cleanups.push(() => stack.stopAll());

    return {
      name,
      dir,
      report,
      rng: rng(seed),
      seed,
      db,
      pg,
      temporal,
      temporalAddress: address,
      client,
      connection,
      taskQueue,
      sim,
      proxy,
      polygonKey,
      stack,
      check: (jobs, o) =>
        checkDatabase({ pool: db.pool, jobs, expectedBars: (t, tf, from, to, adj) => expectedBars(t, tf, from, to, adj, truth), report, exclusive: o?.exclusive }),
      async teardown() {
        for (const c of cleanups.reverse()) await c().catch((e: Error) => report.note(`teardown: ${e.message}`));
        await stopAll();
        report.note(`scenario took ${(report.elapsed() / 1000).toFixed(1)} s`);
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}
