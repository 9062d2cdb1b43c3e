// Everything a bench run needs, started fresh and torn down at the end: a headless in-memory
// Temporal dev server, a new database `bench_<timestamp>` (dropped at the end), the Polygon
// simulator in this process, and the product's worker and API as child processes configured by
// environment exactly as in production.
import { join } from 'node:path';
import pg from 'pg';
import { Connection } from '@temporalio/client';
import { migrate } from '../src/db/migrate.js';
import { startDevServer, freePort, type DevServer } from '../src/temporal/dev-server.js';
import type { SimOptions, SimStats } from '../src/polygon-sim/index.js';
import { Service } from './proc.js';
import { sleep } from './stats.js';

export const SIM_KEY = 'bench-sim-key';

/**
 * The simulator as its own process (`src/polygon-sim/main.ts`, as `npm run polygon-sim` runs it), so
 * that serving pages never competes with the bench's own event loop (pollers, samplers). Its cache
 * is sized to hold every page of the large job: the warm-up read fills it before anything is timed.
 */
export class SimProcess {
  constructor(
    readonly svc: Service,
    readonly url: string,
  ) {}

  async stats(): Promise<SimStats> {
    const r = await fetch(`${this.url}/_sim/stats`);
    return (await r.json()) as SimStats;
  }

  async setOptions(patch: Partial<SimOptions>): Promise<void> {
    const r = await fetch(`${this.url}/_sim/options`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });
    if (r.status !== 200) throw new Error(`simulator options: ${r.status} ${await r.text()}`);
  }

  async resetStats(): Promise<void> {
    const r = await fetch(`${this.url}/_sim/reset`, { method: 'POST' });
    await r.arrayBuffer();
  }

  close(): Promise<unknown> {
    return this.svc.stop();
  }
}

async function waitHttp(url: string, svc: Service, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!svc.alive) throw new Error(`${what} exited during start-up:\n${svc.output()}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not answer ${url}:\n${svc.output()}`);
      await sleep(200);
    }
  }
}

export interface StackOptions {
  verbose: boolean;
  /** Worker settings applied at every (re)start unless overridden. */
  workerEnv?: Record<string, string>;
  apiEnv?: Record<string, string>;
  log: (msg: string) => void;
  /** Simulator page cache: enough for every page of the large job. */
  simCacheMb: number;
  /**
   * The production build (`npm run build -- --out-dir <dir>`): worker and API run its compiled
   * JavaScript with plain node, the worker with the bundle the build wrote. Absent: sources under tsx.
   */
  distDir?: string;
  /** Node flags for every worker start, before a figure's own. */
  workerNodeArgs?: string[];
  /** Node flags for the API (e.g. "--cpu-prof"), to see where its time goes. */
  apiNodeArgs?: string[];
}

/** How a worker is started: `dist` = the build's compiled worker (prebuilt bundle), `sources` = src/worker.ts under tsx. */
export type WorkerCode = 'dist' | 'sources';

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export class Stack {
  temporal!: DevServer;
  sim!: SimProcess;
  admin!: pg.Client;
  adminUrl!: string;
  dbName!: string;
  dbUrl!: string;
  worker?: Service;
  /** The running worker's /metrics (from its start-up log line), once known. */
  workerMetricsUrl?: string;
  api?: Service;
  apiUrl!: string;
  taskQueue!: string;
  private temporalConn?: Connection;

  constructor(readonly opts: StackOptions) {
    // Last resort if the bench dies without reaching stop(): leave no server behind.
    process.once('exit', () => this.killNow());
  }

  /** Synchronous SIGKILL of everything started (for process exit). */
  killNow(): void {
    for (const svc of [this.api, this.worker, this.sim?.svc]) {
      if (svc?.alive) svc.child.kill('SIGKILL');
    }
    const t = this.temporal?.process;
    if (t?.pid && t.exitCode === null) {
      try {
        process.kill(-t.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  async start(): Promise<void> {
    const base = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    this.adminUrl = withDb(base, 'postgres');
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    this.dbName = `bench_${stamp}_${process.pid}`;
    this.dbUrl = withDb(base, this.dbName);
    this.taskQueue = `bench-${stamp}`;
    this.opts.log(`database ${this.dbName}; starting Temporal dev server (in memory, headless)...`);
    const [temporal] = await Promise.all([startDevServer({ logLevel: 'error' }), migrate(this.dbUrl)]);
    this.temporal = temporal;
    this.admin = new pg.Client({ connectionString: this.dbUrl, application_name: 'bench-admin' });
    await this.admin.connect();
    const simPort = await freePort();
    const simSvc = new Service({
      name: 'sim',
      entry: 'src/polygon-sim/main.ts',
      env: {
        POLYGON_SIM_HOST: '127.0.0.1',
        POLYGON_SIM_PORT: String(simPort),
        POLYGON_SIM_API_KEYS: SIM_KEY,
        POLYGON_SIM_CACHE_MB: String(this.opts.simCacheMb),
      },
      verbose: this.opts.verbose,
    });
    this.sim = new SimProcess(simSvc, `http://127.0.0.1:${simPort}`);
    await waitHttp(`${this.sim.url}/healthz`, simSvc, 'simulator');
    this.apiUrl = `http://127.0.0.1:${await freePort()}`;
    this.opts.log(`temporal ${this.temporal.address}, simulator ${this.sim.url}`);
  }

  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.dbUrl,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      POLYGON_BASE_URL: this.sim.url,
      POLYGON_API_KEY: SIM_KEY,
      POLYGON_RATE_LIMIT_RPM: '0',
      LOG_LEVEL: 'info',
      // A free port: the default (9464) may be another worker's on this shared machine.
      WORKER_METRICS_PORT: '0',
      WORKER_METRICS_HOST: '127.0.0.1',
      ...this.opts.workerEnv,
      ...extra,
    };
  }

  /** The entry of a product process: compiled under distDir when the bench built one, else the source. */
  private entry(source: string, code: WorkerCode = this.opts.distDir ? 'dist' : 'sources'): string {
    return code === 'dist' && this.opts.distDir ? join(this.opts.distDir, source.replace(/\.ts$/, '.js')) : source;
  }

  async startWorker(extra: Record<string, string> = {}, nodeArgs: string[] = [], code?: WorkerCode): Promise<Service> {
    if (this.worker?.alive) await this.stopWorker();
    const w = new Service({ name: 'worker', entry: this.entry('src/worker.ts', code), env: this.workerEnv(extra), nodeArgs: [...(this.opts.workerNodeArgs ?? []), ...nodeArgs], verbose: this.opts.verbose });
    this.worker = w;
    this.workerMetricsUrl = undefined;
    const off = w.onLine((line) => {
      // pino's 'worker started' line names the metrics port it picked.
      const m = /"metricsPort":(\d+)/.exec(line);
      if (m) {
        this.workerMetricsUrl = `http://127.0.0.1:${m[1]}/metrics`;
        off();
      }
    });
    await this.waitForPoller(w);
    return w;
  }

  async stopWorker(): Promise<number | null> {
    const w = this.worker;
    this.worker = undefined;
    return w ? w.stop() : null;
  }

  async startApi(extra: Record<string, string> = {}): Promise<Service> {
    const port = new URL(this.apiUrl).port;
    const a = new Service({
      name: 'api',
      entry: this.entry('src/api/server.ts'),
      nodeArgs: this.opts.apiNodeArgs ?? [],
      env: {
        DATABASE_URL: this.dbUrl,
        TEMPORAL_ADDRESS: this.temporal.address,
        TEMPORAL_TASK_QUEUE: this.taskQueue,
        POLYGON_BASE_URL: this.sim.url,
        POLYGON_API_KEY: SIM_KEY,
        API_HOST: '127.0.0.1',
        API_PORT: port,
        API_MAX_SYMBOLS: '10000',
        API_MAX_BODY_BYTES: String(4 * 1024 * 1024),
        JOB_MAX_CONCURRENCY: '256',
        // Figure 6 is 50 pollers from one address: the per-client request limit would refuse them.
        API_RATE_LIMIT_RPM: '0',
        LOG_LEVEL: 'warn',
        ...this.opts.apiEnv,
        ...extra,
      },
      verbose: this.opts.verbose,
    });
    this.api = a;
    await waitHttp(`${this.apiUrl}/healthz`, a, 'API');
    return a;
  }

  /** Ready = the worker polls our task queue (it registered with the Temporal server). */
  private async waitForPoller(w: Service): Promise<void> {
    this.temporalConn ??= await Connection.connect({ address: this.temporal.address });
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (!w.alive) throw new Error(`worker exited during start-up:\n${w.output()}`);
      const res = await this.temporalConn.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: this.taskQueue },
        taskQueueType: 2, // activity pollers: the last to appear
      });
      // Pollers of a previous worker linger a minute; the new one is recognised by its identity.
      if ((res.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${w.pid}@`))) return;
      if (Date.now() > deadline) throw new Error(`worker did not poll ${this.taskQueue} in time:\n${w.output()}`);
      await sleep(200);
    }
  }

  /** Our processes, for CPU accounting. */
  pids(): Record<string, number | undefined> {
    return { worker: this.worker?.pid, api: this.api?.pid, sim: this.sim?.svc.pid, temporal: this.temporal?.process.pid };
  }

  async stop(): Promise<void> {
    await this.api?.stop().catch(() => undefined);
    await this.stopWorker().catch(() => undefined);
    await this.temporalConn?.close().catch(() => undefined);
    await this.sim?.close().catch(() => undefined);
    await this.temporal?.stop().catch(() => undefined);
    await this.admin?.end().catch(() => undefined);
    if (this.dbName && process.env.BENCH_KEEP_DB !== '1') {
      const c = new pg.Client({ connectionString: this.adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(this.dbName)} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    }
  }
}
