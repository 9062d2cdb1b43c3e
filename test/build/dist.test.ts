// The production build as a user deploys it: `npm run build` into a private temp folder that holds
// only the production packages, then the compiled worker, API, migrations and CLI run from there
// with plain `node` (no tsx) against the run's Temporal dev server, a fresh empty database and the
// compiled Polygon simulator, and a job goes through them to `completed`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl as urlOf, dropDatabase, uniqueDatabaseName, withAdmin } from '../helpers/databases.js';
import { uniqueTaskQueue } from '../helpers/env.js';
import { workerEnv } from '../helpers/worker.js';
import { baseEnv, ManagedProcess } from '../helpers/proc.js';
import { createInstallDir, ROOT, type InstallDir } from './install-dir.js';

let install: InstallDir;
let build: { code: number | null; output: string };
let sim: ManagedProcess;
let worker: ManagedProcess;
let api: ManagedProcess;
let apiUrl: string;
const admin = inject('adminDatabaseUrl');
const database = uniqueDatabaseName(`bf_test_${inject('runId')}`, 'dist');
const databaseUrl = urlOf(admin, database);

/** A compiled entry point under the install folder as a child process, logs captured. */
function compiled(name: string, entry: string, env: Record<string, string>): ManagedProcess {
  return new ManagedProcess({
    name,
    script: entry,
    compiled: { args: [join(install.dist, entry)], cwd: install.dir },
    env: { ...baseEnv(), ...env },
    logDir: install.dir,
  });
}

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: install.dir, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  install = createInstallDir();
  // An empty database: the compiled worker must find dist/migrations to create the schema.
  [build] = await Promise.all([install.build(), withAdmin(admin, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`))]);
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.output}`);
  // Its HTTP server runs in a worker thread: the compiled .mjs bootstrap must find thread.js.
  sim = compiled('polygon-sim', 'src/polygon-sim/main.js', { POLYGON_SIM_HOST: '127.0.0.1', POLYGON_SIM_PORT: '0' }).start();
  const simUrl = /listening on (\S+)/.exec(await sim.waitForLine(/polygon-sim listening on /, 30_000, { past: true }))![1]!;

  const taskQueue = uniqueTaskQueue('dist');
  const { WORKER_WORKFLOW_BUNDLE: _prebuiltByTheSuite, ...env } = workerEnv({
    db: { url: databaseUrl },
    taskQueue,
    polygonBaseUrl: simUrl,
    configOverrides: { LOG_LEVEL: 'info' },
  });
  worker = compiled('worker', 'src/worker.js', env).start();
  await worker.waitForLine(/"msg":"worker started"/, 60_000, { past: true });
  api = compiled('api', 'src/api/server.js', { ...env, API_HOST: '127.0.0.1', API_PORT: '0' }).start();
  const listening = await api.waitForLine(/"msg":"api listening"/, 30_000, { past: true });
  apiUrl = (JSON.parse(listening) as { url: string }).url;
}, 180_000);

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await sim?.stop();
  await dropDatabase(admin, database);
  install?.remove();
});

describe('the compiled build', () => {
  it('holds JavaScript only, the workflow bundle next to the worker, migrations and dashboard assets', () => {
    const files = readdirSync(install.dist, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    for (const f of ['src/worker.js', 'src/api/server.js', 'src/db/migrate-cli.js', 'src/cli/main.js', 'src/workflow-bundle.js', 'src/dashboard/assets/index.html']) {
      expect(existsSync(join(install.dist, f)), f).toBe(true);
    }
    expect(files.filter((f) => /^migrations\/\d+_.*\.sql$/.test(f)).length).toBeGreaterThan(0);
  });

  it('starts a worker that loads the prebuilt bundle instead of bundling workflows/', () => {
    const line = worker.lines.find((l) => l.includes('"msg":"workflow code: prebuilt bundle"'));
    expect(line, worker.lines.slice(-10).join('\n')).toBeDefined();
    expect((JSON.parse(line!) as { workflowBundle: string }).workflowBundle).toBe(join(install.dist, 'src/workflow-bundle.js'));
  });

  it("passes docker-compose's worker health check, run as compose runs it", async () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
      services: { worker: { healthcheck: { test: string[] } } };
    };
    const [kind, command, ...args] = compose.services.worker.healthcheck.test;
    expect([kind, command]).toEqual(['CMD', 'node']);
    const { metricsPort } = JSON.parse(worker.lines.find((l) => l.includes('"msg":"worker started"'))!) as { metricsPort: number };
    const check = await run(args, { WORKER_METRICS_PORT: String(metricsPort) });
    expect(check.code, check.output).toBe(0);
    // And it fails where nothing listens.
    expect((await run(args, { WORKER_METRICS_PORT: '1' })).code).toBe(1);
  });

  it('runs a job from the compiled CLI through the compiled API and worker to completed', async () => {
    const cli = await run(
      [join(install.dir, 'bin/backfill.mjs'), 'start', '--symbols', 'AAPL,MSFT', '--timeframes', '1d,1h', '--start', '2024-05-06', '--end', '2024-05-10', '--watch', '--interval', '0.2', '--api-url', apiUrl],
      { NO_COLOR: '1' },
    );
    expect(cli.code, cli.output).toBe(0);
    const jobId = /[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}/.exec(cli.output)?.[0];
    expect(jobId, cli.output).toBeDefined();

    const res = await fetch(`${apiUrl}/api/v1/backfill/status/${jobId}`);
    const status = (await res.json()) as { status: string; units: { completed: number; total: number }; total_records_inserted: number };
    expect(status.status).toBe('completed');
    expect(status.units).toMatchObject({ total: 4, completed: 4 });
    const bars = await withAdmin(databaseUrl, (c) => c.query<{ n: string }>('SELECT count(*) AS n FROM bars')).then((r) => Number(r.rows[0]!.n));
    expect(bars).toBe(status.total_records_inserted);
    expect(bars).toBeGreaterThan(0);
    // The dashboard's files are read from dist/ too.
    const page = await fetch(`${apiUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
  });

  it('runs every thread of the worker at WORKER_NICE (10 by default) and leaves the API at 0', () => {
    // Read after a job ran, so the threads started on demand (libuv's pool, the SDK's) are there too.
    const nice = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).map((tid) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        // Field 19 of stat(5), counted after the parenthesised command name (which may hold spaces).
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
    // Relative to the suite's own nice value, in case CI itself runs niced (nobody may go back up).
    const own = getPriority();
    const threads = nice(worker.pid!);
    expect(threads.length).toBeGreaterThan(5);
    expect(new Set(threads)).toEqual(new Set([Math.max(10, own)]));
    expect(new Set(nice(api.pid!))).toEqual(new Set([own]));
  });

  it('migrates with the compiled migrate command (the worker applied the schema already)', async () => {
    const migrate = await run([join(install.dist, 'src/db/migrate-cli.js')], { DATABASE_URL: databaseUrl });
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toMatch(/schema up to date \(\d+ already applied\)/);
  });

  it('stops the compiled worker and API gracefully on SIGTERM', async () => {
    const [a, w] = await Promise.all([api.stop(15_000), worker.stop(20_000)]);
    expect(a).toMatchObject({ code: 0, signal: null });
    expect(w).toMatchObject({ code: 0, signal: null });
  });
});
