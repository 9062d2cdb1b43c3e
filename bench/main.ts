// `npm run bench` (full, about 10-15 minutes) and `npm run bench -- --quick` (under 2 minutes).
// Starts its own Temporal dev server, database, simulator, worker and API; measures the eight figures
// of issue 6; prints one table and writes it as JSON to .bench/results-<timestamp>.json and
// .bench/latest.json. See bench/README.md for what each figure measures and what bounds it.
//
// Options: --quick, --profile (adds a CPU profile of the worker during one large job), --runs N,
// --only ceiling,rerun,... (figures to run, by the names in FIGURES; product-ingest, rerun and
// old-design need ceiling's data), --verbose (service output), --sources (run the worker and API from
// the TypeScript sources under tsx instead of the production build), --help.
import { cpus, totalmem } from 'node:os';
import { execSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { existsSync, mkdirSync } from 'node:fs';
import { Stack, SIM_KEY } from './stack.js';
import { loadDataset, type Dataset } from './data.js';
import { plainCopy, idempotentCopy, resetBars, type CeilingRun } from './ceiling.js';
import { measureJob, slim, type JobMeasure } from './job.js';
import { runOldDesign, type OldDesignRun } from './old-design.js';
import { apiLoopDelay, startPollers, type PollResult } from './status-latency.js';
import { RateSampler, type RateResult } from './rate-limit.js';
import { hotPath } from './hotpath.js';
import { requestsPerUnit } from './requests-per-unit.js';
import { groupedDailySaving } from './grouped-daily.js';
import { measureValidation } from './validate.js';
import { renderTable, renderMarkdown, writeReport, type Report } from './report.js';
import { summarizeProfiles, profilesIn, renderProfile, hrUs } from './profile.js';
import { fmt, max, median, sleep } from './stats.js';
import { loadAvg, startCpuProbe, type CpuBreakdown } from './cpu.js';
import { warmSimulator, type FetchSpec } from './data.js';
import { ROOT, readMem } from './proc.js';
import type { BackfillRequest } from './api.js';

// ---------------------------------------------------------------------------------------------
// Parameters

const argv = process.argv.slice(2);
const USAGE = `usage: npm run bench -- [options]
  --quick                 about 1-2 minutes, smaller jobs
  --only a,b              figures by name (below); product-ingest, rerun and old-design need ceiling's data
  --runs N                repeats of the repeated figures
  --large-symbols N       symbols of the large job (at most 20); --large-to YYYY-MM-DD its last date
  --concurrency N         the large job's concurrency
  --profile               a CPU profile of the worker during one large job
  --sources               run the worker and API from sources (tsx) instead of the production build
  --reuse-build [--dist DIR]   reuse an earlier build (.bench/dist)
  --worker-node-args "..."     node flags for the worker (trying V8 settings)
  --api-node-args "..."        node flags for the API (e.g. "--cpu-prof --cpu-prof-dir=DIR")
  --verbose               service output; --markdown prints the table as Markdown too
  --help                  this text`;
// Flags that take a value, and flags that do not: anything else is a typo that would silently run
// the whole 10-minute bench.
const VALUED = new Set(['only', 'runs', 'large-symbols', 'large-to', 'concurrency', 'dist', 'worker-node-args', 'api-node-args']);
const BARE = new Set(['quick', 'profile', 'verbose', 'sources', 'reuse-build', 'markdown', 'help']);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const name = a.startsWith('--') ? a.slice(2).split('=')[0]! : null;
  if (name !== null && VALUED.has(name)) {
    if (!a.includes('=')) i++;
    continue;
  }
  if (name !== null && BARE.has(name)) continue;
  console.error(`bench: unknown argument '${a}'\n${USAGE}`);
  process.exit(2);
}
const flag = (name: string) => argv.includes(`--${name}`);
function option(name: string): string | undefined {
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

const QUICK = flag('quick');
const PROFILE = flag('profile');
const VERBOSE = flag('verbose');
/** Run the product from its sources (tsx) rather than from the production build it makes first. */
const SOURCES = flag('sources');
/** Development: reuse the build (.bench/dist, or --dist DIR) from an earlier run instead of building again. */
const REUSE_BUILD = flag('reuse-build');
/** Development: node flags for the worker (e.g. "--max-old-space-size=256"), to try V8 settings. */
const WORKER_NODE_ARGS = (option('worker-node-args') ?? '').split(' ').filter(Boolean);
/** Development: node flags for the API (e.g. "--cpu-prof --cpu-prof-dir=/tmp/api-prof"). */
const API_NODE_ARGS = (option('api-node-args') ?? '').split(' ').filter(Boolean);
/** What each figure measures, in the order they are reported; `--only` takes these names. */
const FIGURES = ['hotpath', 'ceiling', 'product-ingest', 'rerun', 'small-units', 'old-design', 'status-latency', 'memory', 'rate-limit', 'requests-per-unit', 'grouped-daily', 'ledger-cost'] as const;
type Figure = (typeof FIGURES)[number];
const ONLY = option('only')
  ?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknownFigure = ONLY?.find((f) => !(FIGURES as readonly string[]).includes(f));
if (unknownFigure !== undefined) {
  console.error(`--only: unknown figure '${unknownFigure}'; figures are ${FIGURES.join(', ')}`);
  process.exit(2);
}
const want = (fig: Figure) => !ONLY || ONLY.includes(fig);
if (flag('help')) {
  console.log(`${USAGE}\nfigures: ${FIGURES.join(', ')}\n(--only hotpath: the worker's per-page CPU on simulator bodies, no job runs)`);
  process.exit(0);
}

/** The POST body of a job of many generated tickers. */
function manyUnitRequest(p: { symbols: number; timeframes: readonly string[]; from: string; to: string; concurrency: number }, prefix: string): BackfillRequest {
  // Per ticker: these jobs measure one activity per unit (auto would fetch their 1d units grouped).
  return { symbols: tickers(p.symbols, prefix), timeframes: [...p.timeframes], start_date: p.from, end_date: p.to, adjusted: true, concurrency: p.concurrency, strategy: 'per_ticker' };
}

const LARGE_SYMBOLS = ['AAPL', 'MSFT', 'AMZN', 'GOOGL', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'XOM', 'CVX', 'KO', 'PEP', 'BAC', 'DIS'];

/** Distinct well-formed tickers for the many-unit jobs: BAAA, BAAB, ... (prefix keeps jobs apart). */
function tickers(n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let x = i;
    let s = '';
    for (let k = 0; k < 3; k++) {
      s = String.fromCharCode(65 + (x % 26)) + s;
      x = Math.floor(x / 26);
    }
    out.push(prefix + s);
  }
  return out;
}

const P = QUICK
  ? {
      runs: 1,
      large: { symbols: LARGE_SYMBOLS.slice(0, 5), from: '2023-01-01', to: '2023-04-30', timeframes: ['1m'] },
      hotTo: '2023-01-31',
      largeConcurrency: 8,
      old: { symbols: 1, from: '2023-01-01', to: '2023-01-10' },
      small: { symbols: 75, timeframes: ['1d', '1w'], from: '2023-01-01', to: '2023-03-31', concurrency: 64 },
      status: { pollers: 50, thinkMs: 100, maxMs: 10_000 },
      tenK: null as null | { symbols: number; timeframes: string[]; from: string; to: string; concurrency: number },
      rate: { R: 600, latencyMs: 80, workerRpm: 582, seconds: 15, concurrency: 32 },
    }
  : {
      runs: 3,
      large: { symbols: LARGE_SYMBOLS, from: '2023-01-01', to: '2023-12-31', timeframes: ['1m'] },
      hotTo: '2023-01-31',
      largeConcurrency: 8,
      old: { symbols: 1, from: '2023-01-01', to: '2023-01-31' },
      small: { symbols: 500, timeframes: ['1d', '1w'], from: '2023-01-01', to: '2023-03-31', concurrency: 64 },
      status: { pollers: 50, thinkMs: 100, maxMs: 30_000 },
      tenK: { symbols: 5000, timeframes: ['1h', '4h'], from: '2023-03-07', to: '2023-03-08', concurrency: 64 },
      rate: { R: 600, latencyMs: 80, workerRpm: 582, seconds: 60, concurrency: 32 },
    };
const RUNS = Number(option('runs') ?? P.runs);
// Development overrides of the large job's size.
if (option('large-symbols')) P.large.symbols = LARGE_SYMBOLS.slice(0, Number(option('large-symbols')));
if (option('large-to')) P.large.to = option('large-to')!;
const LARGE_CONCURRENCY = Number(option('concurrency') ?? P.largeConcurrency);

function log(msg: string) {
  const t = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${msg}\n`);
}
const T0 = performance.now();

// ---------------------------------------------------------------------------------------------

function machine(): Record<string, unknown> {
  let pgVersion = '';
  try {
    pgVersion = execSync('psql --version', { encoding: 'utf8' }).trim();
  } catch {
    /* absent */
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgresClient: pgVersion,
    platform: `${process.platform} ${process.arch}`,
  };
}

const rate = (rows: number, ms: number) => (rows / ms) * 1000;

const cpuLine = (c: CpuBreakdown) =>
  Object.entries(c.cores)
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(', ');

async function warm(stack: Stack, label: string, req: BackfillRequest): Promise<void> {
  const spec: FetchSpec = { baseUrl: stack.sim.url, apiKey: SIM_KEY, symbols: req.symbols, timeframes: req.timeframes, from: req.start_date, to: req.end_date, adjusted: req.adjusted, parallel: 4 };
  const w = await warmSimulator(spec);
  log(`warmed the simulator for the ${label}: ${w.requests} requests in ${fmt(w.ms / 1000)} s`);
}

async function main() {
  const report: Report = {
    startedAt: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    machine: machine(),
    params: { ...P, runs: RUNS, largeConcurrency: LARGE_CONCURRENCY, only: ONLY ?? 'all', profile: PROFILE },
    rows: [],
    details: {},
    errors: [],
  };
  const rows = report.rows;
  /** How much of the shared machine other processes took while a figure ran (noise indicator). */
  const otherLoad = (fig: Figure, cpus: CpuBreakdown[]) => {
    const v = cpus.map((c) => c.cores.other ?? NaN);
    rows.push({ fig, metric: '  machine: cores used by processes not of this bench meanwhile', value: median(v), unit: 'cores', runs: v });
  };
  /** CPU cost per item (bar or unit) of each of our processes, in microseconds or ms. */
  const cpuRows = (fig: Figure, cpus: CpuBreakdown[], items: number[], what: string) => {
    const keys = ['worker', 'temporal', 'postgres', 'api', 'sim'];
    const per = keys.map((k) => median(cpus.map((c, i) => (c.ms[k] ?? NaN) / items[i]!)));
    const scale = what === 'bar' ? 1000 : 1;
    rows.push({
      fig,
      metric: `  CPU per ${what}: ${keys.map((k, i) => `${k} ${fmt(per[i]! * scale, 2)}`).join(', ')}`,
      value: per.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0) * scale,
      unit: what === 'bar' ? 'us/bar' : 'ms/unit',
      runs: [],
    });
  };
  // The product as production runs it: `npm run build` (tsc + the prebuilt workflow bundle), into
  // .bench/dist so that the project's own dist/ is left alone.
  let distDir: string | undefined;
  if (!SOURCES) distDir = option('dist') ?? join(ROOT, '.bench', 'dist');
  if (distDir && !(REUSE_BUILD && existsSync(join(distDir, 'src', 'worker.js')))) {
    const t0 = Date.now();
    log(`building the product (npm run build -- --out-dir ${relative(ROOT, distDir)})...`);
    execSync(`${JSON.stringify(process.execPath)} scripts/build.mjs --out-dir ${JSON.stringify(distDir)}`, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    log(`  built in ${fmt((Date.now() - t0) / 1000)} s`);
  }
  const stack = new Stack({ verbose: VERBOSE, log, simCacheMb: QUICK ? 1024 : 3072, distDir, workerNodeArgs: WORKER_NODE_ARGS, apiNodeArgs: API_NODE_ARGS });
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: stopping everything this bench started...');
    void stack.stop().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await stack.start();
    const pgv = await stack.admin.query<{ server_version: string }>('SHOW server_version');
    report.machine.postgres = pgv.rows[0]!.server_version;
    report.machine.loadAvgAtStart = loadAvg();
    for (const k of ['shared_buffers', 'synchronous_commit', 'max_wal_size', 'wal_level']) {
      const r = await stack.admin.query<Record<string, string>>(`SHOW ${k}`);
      report.machine[k] = Object.values(r.rows[0]!)[0];
    }
    log(`starting API and worker (child processes, ${SOURCES ? 'sources under tsx' : 'compiled, plain node'})...`);
    await Promise.all([stack.startApi(), stack.startWorker()]);
    await sleep(1_000);
    const idle = { workerMb: (readMem(stack.worker!.pid)?.rssKb ?? NaN) / 1024, apiMb: (readMem(stack.api!.pid)?.rssKb ?? NaN) / 1024 };
    log(`idle RSS after start: worker ${fmt(idle.workerMb)} MB, API ${fmt(idle.apiMb)} MB`);
    report.details.idleRss = idle;

    const largeReq: BackfillRequest = {
      symbols: [...P.large.symbols],
      start_date: P.large.from,
      end_date: P.large.to,
      timeframes: [...P.large.timeframes],
      adjusted: true,
      concurrency: LARGE_CONCURRENCY,
    };

    // The data set of the ceiling runs = the pages of the product job, which also warms the
    // simulator's cache so that it serves every timed request from memory.
    let ds: Dataset | undefined;
    if (want('ceiling') || want('product-ingest') || want('rerun') || want('old-design') || want('status-latency') || want('memory')) {
      log(`reading the large job's bars from the simulator (${largeReq.symbols.length} symbols x ${largeReq.timeframes} ${largeReq.start_date}..${largeReq.end_date})...`);
      ds = await loadDataset({
        baseUrl: stack.sim.url,
        apiKey: SIM_KEY,
        symbols: largeReq.symbols,
        timeframes: largeReq.timeframes,
        from: largeReq.start_date,
        to: largeReq.end_date,
        adjusted: true,
      });
      log(`  ${fmt(ds.totalBars)} bars in ${ds.pages.length} pages; first read ${fmt(ds.fetch.barsPerSec)} bars/s (sim generating)`);
      // Second read: what HTTP + JSON.parse + validation does on one thread with a warm simulator.
      const again = await loadDataset({
        baseUrl: stack.sim.url,
        apiKey: SIM_KEY,
        symbols: largeReq.symbols.slice(0, Math.max(1, Math.ceil(largeReq.symbols.length / 4))),
        timeframes: largeReq.timeframes,
        from: largeReq.start_date,
        to: largeReq.end_date,
        adjusted: true,
      });
      log(`  warm read (product client, 1 thread): ${fmt(again.fetch.barsPerSec)} bars/s, ${fmt(again.fetch.bytes / again.totalBars, 0)} bytes/bar`);
      rows.push({ fig: '-', metric: 'fetch + parse, warm simulator, 1 thread (product client)', value: again.fetch.barsPerSec, unit: 'bars/s', runs: [again.fetch.barsPerSec] });
      report.details.dataset = { bars: ds.totalBars, pages: ds.pages.length, series: ds.series.length, firstRead: ds.fetch, warmRead: again.fetch };
    }
    if (want('hotpath')) {
      // The worker's per-page CPU (parse + encode) on these very bodies, single thread.
      await hotPath(stack.sim.url, SIM_KEY, largeReq.symbols.slice(0, 4), P.large.from, P.hotTo, 1);
      const hp = await hotPath(stack.sim.url, SIM_KEY, largeReq.symbols.slice(0, 4), P.large.from, P.hotTo, 7);
      log(`  hot path per bar: product parse ${fmt(hp.product.parseUs, 2)} us + encode ${fmt(hp.product.encodeUs, 2)} us; object path ${fmt(hp.objects.totalUs, 2)} us (identical bytes: ${hp.identical})`);
      rows.push({ fig: 'hotpath', metric: `worker hot path CPU per bar, product: bytes -> columns ${fmt(hp.product.parseUs, 2)} + COPY encode ${fmt(hp.product.encodeUs, 2)}`, value: hp.product.totalUs, unit: 'us/bar', ratio: hp.share, ratioOf: 'object path', runs: [] });
      rows.push({ fig: 'hotpath', metric: `  object path it replaced (bench/object-path.ts): decode ${fmt(hp.objects.decodeUs, 2)} + JSON.parse+checks ${fmt(hp.objects.parseUs, 2)} + encode ${fmt(hp.objects.encodeUs, 2)} (same bytes: ${hp.identical})`, value: hp.objects.totalUs, unit: 'us/bar', runs: [] });
      report.details.hotPath = hp;
    }

    // A tiny job first, so that no timed job pays for the worker's first workflow task, JIT warm-up
    // or new pool connections (skipped when no figure runs a job).
    if (FIGURES.some((f) => f !== 'hotpath' && want(f))) {
      log('warm-up job...');
      await measureJob(stack, { ...largeReq, symbols: largeReq.symbols.slice(0, 2), start_date: '2022-12-01', end_date: '2022-12-09' }, { countRows: false });
      await measureJob(stack, { symbols: tickers(50, 'W'), timeframes: ['1d'], start_date: '2022-12-01', end_date: '2022-12-09', adjusted: true, concurrency: 16, strategy: 'per_ticker' }, { countRows: false });
    }

    // -------------------------------------------------------------------------------------------
    // ceiling, product-ingest, rerun, old-design: per run, the ceilings, the product job, its re-run and the old design,
    // so that every ratio is taken within one run.
    const ceil: Record<string, CeilingRun[]> = { plain1: [], plain2: [], idem1: [], idem2: [], direct2: [] };
    const ceilCpuBy: Record<string, CpuBreakdown[]> = { plain2: [], idem2: [], direct2: [] };
    const ceilCpu: CpuBreakdown[] = [];
    const probe = () => startCpuProbe(stack.admin, stack.dbName, stack.pids());
    const large: JobMeasure[] = [];
    const rerun: JobMeasure[] = [];
    const rerunMissing: { requests: number; saved: number; wallMs: number; status: string }[] = [];
    const overlap: JobMeasure[] = [];
    const old: OldDesignRun[] = [];
    const ratios: Record<string, number[]> = { plain1: [], plain2: [], idem1: [], idem2: [], direct2: [], old: [], rerunIdem2: [], overlapIdem2: [] };
    const runs123 = want('ceiling') || want('product-ingest') || want('rerun') || want('old-design') ? RUNS : 0;
    for (let run = 1; run <= runs123 && ds; run++) {
      if (want('ceiling') || want('product-ingest')) {
        for (const conns of [1, 2]) {
          await resetBars(stack.admin);
          let pr = await probe();
          const p = await plainCopy(stack.dbUrl, ds, conns);
          const pc = await pr.stop({ postgres: p.backendCpuMs });
          ceilCpu.push(pc);
          ceilCpuBy[`plain${conns}`]?.push(pc);
          ceil[`plain${conns}`]!.push(p);
          log(`run ${run}: plain binary COPY, ${conns} conn: ${fmt(p.rowsPerSec)} rows/s (${fmt(p.rows)} rows, ${fmt(p.ms / 1000)} s)`);
          await resetBars(stack.admin);
          pr = await probe();
          const q = await idempotentCopy(stack.dbUrl, ds, conns);
          const qc = await pr.stop({ postgres: q.backendCpuMs });
          ceilCpu.push(qc);
          ceilCpuBy[`idem${conns}`]?.push(qc);
          ceil[`idem${conns}`]!.push(q);
          log(`run ${run}: idempotent (product page writer, staged path), ${conns} conn: ${fmt(q.rowsPerSec)} rows/s`);
        }
        // The page writer as the product runs it on a fresh range: probe, then COPY straight into bars.
        await resetBars(stack.admin);
        const pr = await probe();
        const d = await idempotentCopy(stack.dbUrl, ds, 2, { direct: true });
        const dc = await pr.stop({ postgres: d.backendCpuMs });
        ceilCpu.push(dc);
        ceilCpuBy.direct2!.push(dc);
        ceil.direct2!.push(d);
        log(`run ${run}: product page writer, fresh range (direct COPY), 2 conn: ${fmt(d.rowsPerSec)} rows/s`);
      }
      let product: JobMeasure | undefined;
      if (want('product-ingest') || want('rerun') || want('old-design')) {
        await resetBars(stack.admin);
        product = await measureJob(stack, largeReq);
        large.push(product);
        const bps = rate(product.inserted, product.wallMs);
        log(`run ${run}: product large job ${product.status}: ${fmt(product.inserted)} new bars in ${fmt(product.wallMs / 1000)} s = ${fmt(bps)} bars/s; worker peak ${fmt(product.mem.workerMb)} MB; cpu ${cpuLine(product.cpu)}`);
        if (product.status !== 'completed') report.errors.push(`large job ${product.jobId} ended ${product.status}`);
        if (product.inserted !== ds.totalBars) report.errors.push(`large job inserted ${product.inserted}, expected ${ds.totalBars}`);
        for (const k of ['plain1', 'plain2', 'idem1', 'idem2', 'direct2']) {
          const c = ceil[k]![ceil[k]!.length - 1];
          if (c && ceil[k]!.length === run) ratios[k]!.push(bps / c.rowsPerSec);
        }
        if (want('rerun')) {
          await stack.admin.query('CHECKPOINT');
          const r = await measureJob(stack, largeReq);
          rerun.push(r);
          log(`run ${run}: re-run ${r.status}: ${fmt(r.fetched)} bars in ${fmt(r.wallMs / 1000)} s = ${fmt(rate(r.fetched, r.wallMs))} bars/s; rows ${r.rowsBefore} -> ${r.rowsAfter}, inserted ${r.inserted}; cpu ${cpuLine(r.cpu)}`);
          const idem2 = ceil.idem2![ceil.idem2!.length - 1];
          if (idem2 && ceil.idem2!.length === run) ratios.rerunIdem2!.push(rate(r.fetched, r.wallMs) / idem2.rowsPerSec);
          // The same job with reprocess "missing" (the API's default): the ledger holds the whole range
          // as final, so it should cost no Polygon request at all, counted at the simulator.
          const before = (await stack.sim.stats()).requests;
          const m = await measureJob(stack, { ...largeReq, reprocess: 'missing' });
          const made = (await stack.sim.stats()).requests - before;
          rerunMissing.push({ requests: made, saved: Number(m.final.requests_saved ?? NaN), wallMs: m.wallMs, status: m.status });
          log(`run ${run}: re-run with reprocess missing ${m.status}: ${made} Polygon requests, ${m.final.requests_saved} saved, in ${fmt(m.wallMs / 1000)} s`);
          // An overlapping load: every page meets stored bars (every other minute is kept), half
          // its bars are new, so every page takes the staged path and inserts.
          await stack.admin.query(`DELETE FROM bars WHERE (extract(epoch FROM ts)::bigint / 60) % 2 = 0`);
          await stack.admin.query('VACUUM bars');
          await stack.admin.query('CHECKPOINT');
          const o = await measureJob(stack, largeReq);
          overlap.push(o);
          const added = o.rowsAfter - o.rowsBefore;
          log(`run ${run}: overlapping load ${o.status}: ${fmt(o.fetched)} bars (${fmt(o.inserted)} new, rows +${fmt(added)}) in ${fmt(o.wallMs / 1000)} s = ${fmt(rate(o.fetched, o.wallMs))} bars/s; cpu ${cpuLine(o.cpu)}`);
          if (o.status !== 'completed' || o.inserted !== added || o.rowsAfter !== ds.totalBars) report.errors.push(`overlapping load ${o.jobId}: ${o.status}, inserted ${o.inserted}, rows added ${added}, rows ${o.rowsAfter} of ${ds.totalBars}`);
          if (idem2 && ceil.idem2!.length === run) ratios.overlapIdem2!.push(rate(o.fetched, o.wallMs) / idem2.rowsPerSec);
        }
      }
      if (want('old-design')) {
        await resetBars(stack.admin);
        const o = await runOldDesign({
          dbUrl: stack.dbUrl,
          baseUrl: stack.sim.url,
          apiKey: SIM_KEY,
          symbols: largeReq.symbols.slice(0, P.old.symbols),
          timeframes: largeReq.timeframes,
          from: P.old.from,
          to: P.old.to,
          adjusted: true,
        });
        old.push(o);
        log(`run ${run}: old design: ${fmt(o.rows)} rows in ${fmt(o.ms / 1000)} s = ${fmt(o.rowsPerSec)} rows/s (fetch ${fmt(o.fetchMs / 1000)} s, inserts ${fmt(o.insertMs / 1000)} s)`);
        if (product) ratios.old!.push(rate(product.inserted, product.wallMs) / o.rowsPerSec);
      }
    }

    const med = (xs: CeilingRun[]) => median(xs.map((x) => x.rowsPerSec));
    if (ceil.plain1!.length) {
      rows.push({ fig: 'ceiling', metric: 'ceiling: plain binary COPY, 1 connection', value: med(ceil.plain1!), unit: 'bars/s', runs: ceil.plain1!.map((x) => x.rowsPerSec) });
      rows.push({ fig: 'ceiling', metric: 'ceiling: plain binary COPY, 2 connections', value: med(ceil.plain2!), unit: 'bars/s', runs: ceil.plain2!.map((x) => x.rowsPerSec) });
      rows.push({ fig: 'ceiling', metric: 'ceiling: idempotent (product page writer, staged path), 1 conn', value: med(ceil.idem1!), unit: 'bars/s', runs: ceil.idem1!.map((x) => x.rowsPerSec) });
      rows.push({ fig: 'ceiling', metric: 'ceiling: idempotent (product page writer, staged path), 2 conns', value: med(ceil.idem2!), unit: 'bars/s', runs: ceil.idem2!.map((x) => x.rowsPerSec) });
      rows.push({ fig: 'ceiling', metric: '  product page writer on a fresh range (probe + direct COPY), 2 conns', value: med(ceil.direct2!), unit: 'bars/s', runs: ceil.direct2!.map((x) => x.rowsPerSec) });
      otherLoad('ceiling', ceilCpu);
      // Where a bar's CPU goes without HTTP and Temporal: Postgres' backends and the bench's encoder.
      for (const [k, label] of [['plain2', 'plain COPY 2c'], ['idem2', 'staged 2c'], ['direct2', 'direct 2c']] as const) {
        const cs = ceilCpuBy[k]!;
        const n = ceil[k]!.map((x) => x.rows);
        if (!cs.length) continue;
        const pgUs = median(cs.map((c, i) => ((c.ms.postgres ?? NaN) / n[i]!) * 1000));
        const benchUs = median(cs.map((c, i) => ((c.ms.bench ?? NaN) / n[i]!) * 1000));
        rows.push({ fig: 'ceiling', metric: `  CPU per bar, ${label}: postgres ${fmt(pgUs, 2)}, client (encode + send) ${fmt(benchUs, 2)}`, value: pgUs + benchUs, unit: 'us/bar', runs: [] });
      }
      report.details.ceilings = ceil;
      report.details.ceilingCpu = ceilCpu;
    }
    if (large.length) {
      const bps = large.map((m) => rate(m.inserted, m.wallMs));
      const r2 = median(ratios.plain2!);
      rows.push({
        fig: 'product-ingest',
        metric: `product, large units, fresh ranges (${largeReq.symbols.length} sym x ${largeReq.timeframes} ${largeReq.start_date}..${largeReq.end_date}, c=${LARGE_CONCURRENCY})`,
        value: median(bps),
        unit: 'new bars/s',
        ratio: ratios.plain2!.length ? r2 : undefined,
        ratioOf: 'plain 2c',
        aim: '>= 60% of plain COPY 2c',
        met: ratios.plain2!.length ? r2 >= 0.6 : undefined,
        runs: bps,
      });
      for (const [k, label] of [['idem1', 'idem. 1c'], ['idem2', 'idem. 2c'], ['plain1', 'plain 1c'], ['direct2', 'page writer direct 2c']] as const) {
        if (ratios[k]!.length) rows.push({ fig: 'product-ingest', metric: `  ratio to ceiling ${label}`, value: median(ratios[k]!) * 100, unit: '%', runs: ratios[k]!.map((x) => x * 100) });
      }
      otherLoad('product-ingest', large.map((m) => m.cpu));
      cpuRows('product-ingest', large.map((m) => m.cpu), large.map((m) => m.inserted), 'bar');
      report.details.large = large.map(slim);
    }
    if (rerun.length) {
      const bps = rerun.map((m) => rate(m.fetched, m.wallMs));
      const rr = median(ratios.rerunIdem2!);
      rows.push({
        fig: 'rerun',
        metric: 'product, re-run of the same job (all bars stored)',
        value: median(bps),
        unit: 'bars/s',
        ratio: ratios.rerunIdem2!.length ? rr : undefined,
        ratioOf: 'idem. 2c',
        aim: '>= 90% of idempotent 2c',
        met: ratios.rerunIdem2!.length ? rr >= 0.9 : undefined,
        runs: bps,
      });
      const added = rerun.map((m) => m.rowsAfter - m.rowsBefore);
      const reported = rerun.map((m) => m.inserted);
      const ok = added.every((x) => x === 0) && reported.every((x) => x === 0) && rerun.every((m) => m.status === 'completed');
      rows.push({ fig: 'rerun', metric: 're-run: rows added (count(*) after - before) / reported inserted', value: max(added.map(Math.abs)), unit: `rows / ${max(reported)}`, aim: '0', met: ok, runs: added });
      otherLoad('rerun', rerun.map((m) => m.cpu));
      cpuRows('rerun', rerun.map((m) => m.cpu), rerun.map((m) => m.fetched), 'bar');
      report.details.rerun = rerun.map(slim);
    }
    if (rerunMissing.length) {
      const made = rerunMissing.map((m) => m.requests);
      const ok = made.every((x) => x === 0) && rerunMissing.every((m) => m.status === 'completed');
      rows.push({ fig: 'rerun', metric: 're-run with reprocess "missing" (default): Polygon requests made / saved', value: max(made), unit: `requests / ${max(rerunMissing.map((m) => m.saved))} saved`, aim: '0', met: ok, runs: made });
      rows.push({ fig: 'rerun', metric: '  its wall time (plan from the ledger, no request, units complete)', value: median(rerunMissing.map((m) => m.wallMs / 1000)), unit: 's', runs: rerunMissing.map((m) => m.wallMs / 1000) });
      report.details.rerunMissing = rerunMissing;
    }
    if (overlap.length) {
      const bps = overlap.map((m) => rate(m.fetched, m.wallMs));
      const ro = median(ratios.overlapIdem2!);
      rows.push({
        fig: 'rerun',
        metric: 'product, overlapping load (every other minute stored: every page staged, half its bars new)',
        value: median(bps),
        unit: 'bars/s',
        ratio: ratios.overlapIdem2!.length ? ro : undefined,
        ratioOf: 'idem. 2c',
        aim: '>= 90% of idempotent 2c',
        met: ratios.overlapIdem2!.length ? ro >= 0.9 : undefined,
        runs: bps,
      });
      const exact = overlap.every((m) => m.status === 'completed' && m.inserted === m.rowsAfter - m.rowsBefore && m.rowsAfter === ds?.totalBars);
      rows.push({ fig: 'rerun', metric: '  overlapping load: new bars reported = rows added, every bar stored once', value: median(overlap.map((m) => m.inserted)), unit: 'bars', aim: 'exact', met: exact, runs: overlap.map((m) => m.inserted) });
      otherLoad('rerun', overlap.map((m) => m.cpu));
      cpuRows('rerun', overlap.map((m) => m.cpu), overlap.map((m) => m.fetched), 'bar');
      report.details.overlap = overlap.map(slim);
    }
    if (old.length) {
      const v = old.map((o) => o.rowsPerSec);
      rows.push({ fig: 'old-design', metric: `old design (1 INSERT per row, sequential; ${P.old.symbols} sym x ${P.old.from}..${P.old.to})`, value: median(v), unit: 'bars/s', runs: v });
      if (ratios.old!.length) {
        const s = median(ratios.old!);
        rows.push({ fig: 'old-design', metric: 'speed-up of the product (product-ingest) over the old design', value: s, unit: 'x', aim: '>= 15x', met: s >= 15, runs: ratios.old! });
      }
      report.details.old = old;
    }

    // -------------------------------------------------------------------------------------------
    // figure small-units: many small units (daily and weekly bars). The simulator builds a ticker's daily
    // year from minute days on first request (about 90 ms a ticker), so every page is read once
    // before timing.
    const smallReq = manyUnitRequest(P.small, 'S');
    let smallWarm = false;
    const warmSmall = async () => {
      if (smallWarm) return;
      await warm(stack, 'small units', smallReq);
      smallWarm = true;
    };
    if (want('small-units')) {
      await warmSmall();
      const small: JobMeasure[] = [];
      const units = smallReq.symbols.length * smallReq.timeframes.length;
      for (let run = 1; run <= RUNS; run++) {
        await resetBars(stack.admin);
        const m = await measureJob(stack, smallReq);
        small.push(m);
        const ups = (m.units.completed / m.wallMs) * 1000;
        log(`run ${run}: ${units} small units ${m.status} in ${fmt(m.wallMs / 1000)} s = ${fmt(ups)} units/s; mean unit busy ${fmt(m.units.busyMsSum / units)} ms; cpu ${cpuLine(m.cpu)}`);
        if (m.status !== 'completed') report.errors.push(`small-units job ${m.jobId} ended ${m.status}`);
      }
      const ups = small.map((m) => (m.units.completed / m.wallMs) * 1000);
      const c = smallReq.concurrency;
      // Orchestration overhead per unit: the time a concurrency slot is held beyond the unit's own
      // fetch+write (claim -> complete in job_units): (wall x concurrency - sum of unit busy) / units.
      const overhead = small.map((m) => (m.wallMs * c - m.units.busyMsSum) / m.units.units);
      const perUnitWall = small.map((m) => (m.wallMs - m.units.busyMsSum / c) / m.units.units);
      const busy = small.map((m) => m.units.busyMsSum / m.units.units);
      rows.push({ fig: 'small-units', metric: `product, many small units (${units} units: ${smallReq.symbols.length} sym x ${smallReq.timeframes}, c=${c})`, value: median(ups), unit: 'units/s', aim: '>= 50 units/s', met: median(ups) >= 50, runs: ups });
      rows.push({ fig: 'small-units', metric: '  orchestration overhead per unit, slot time: (wall*c - sum busy)/units', value: median(overhead), unit: 'ms', runs: overhead });
      rows.push({ fig: 'small-units', metric: '  orchestration overhead per unit, wall time: (wall - sum busy/c)/units', value: median(perUnitWall), unit: 'ms', runs: perUnitWall });
      rows.push({ fig: 'small-units', metric: '  fetch+write time per unit (job_units claim -> complete)', value: median(busy), unit: 'ms', runs: busy });
      otherLoad('small-units', small.map((m) => m.cpu));
      cpuRows('small-units', small.map((m) => m.cpu), small.map((m) => m.units.units), 'unit');
      report.details.small = small.map(slim);
    }

    // -------------------------------------------------------------------------------------------
    // figure status-latency: 50 pollers on the status endpoint during a large job.
    if (want('status-latency')) {
      // Repeated like the other job figures: one run's p99 rests on its slowest ~50 requests.
      const polls: PollResult[] = [];
      const loops: { p99Ms: number; maxMs: number }[] = [];
      const cpus: CpuBreakdown[] = [];
      const rates: number[] = [];
      const jobs: JobMeasure[] = [];
      for (let run = 1; run <= RUNS; run++) {
        await resetBars(stack.admin);
        let poller: ReturnType<typeof startPollers> | undefined;
        await apiLoopDelay(stack.apiUrl);
        const m = await measureJob(stack, largeReq, {
          onStarted: (id) => (poller = startPollers(stack.apiUrl, id, P.status)),
        });
        const poll: PollResult = await poller!.stop();
        const loop = await apiLoopDelay(stack.apiUrl);
        if (loop) loops.push(loop);
        polls.push(poll);
        cpus.push(m.cpu);
        jobs.push(m);
        rates.push(rate(m.inserted, m.wallMs));
        log(`run ${run}: status under load: ${poll.requests} requests (${fmt(poll.rps)}/s), p50 ${fmt(poll.p50)} ms, p99 ${fmt(poll.p99)} ms, max ${fmt(poll.max)} ms, ${poll.errors} errors; API event-loop delay p99 ${loop ? fmt(loop.p99Ms) : '?'} ms, max ${loop ? fmt(loop.maxMs) : '?'} ms; job ${fmt(rate(m.inserted, m.wallMs))} bars/s meanwhile; cpu ${cpuLine(m.cpu)}`);
      }
      const p50s = polls.map((p) => p.p50);
      const p99s = polls.map((p) => p.p99);
      const errors = polls.reduce((n, p) => n + p.errors, 0);
      const requests = polls.reduce((n, p) => n + p.requests, 0);
      rows.push({ fig: 'status-latency', metric: `status p50, ${P.status.pollers} pollers (${P.status.thinkMs} ms pause) during a large job`, value: median(p50s), unit: 'ms', runs: p50s });
      rows.push({ fig: 'status-latency', metric: `status p99 (${requests} requests in ${RUNS} runs, ${fmt(median(polls.map((p) => p.rps)))}/s)`, value: median(p99s), unit: 'ms', aim: '< 50 ms', met: median(p99s) < 50, runs: p99s });
      rows.push({ fig: 'status-latency', metric: 'status errors (all runs)', value: errors, unit: 'errors', aim: '0', met: errors === 0, runs: polls.map((p) => p.errors) });
      if (loops.length > 0) rows.push({ fig: 'status-latency', metric: "  the API's event-loop delay p99 meanwhile (a stall inside the API)", value: median(loops.map((l) => l.p99Ms)), unit: 'ms', runs: loops.map((l) => l.p99Ms) });
      rows.push({ fig: 'status-latency', metric: '  large job throughput while polled', value: median(rates), unit: 'new bars/s', runs: rates });
      otherLoad('status-latency', cpus);
      report.details.status = { polls, loops, jobs: jobs.map(slim) };
      large.push(...jobs); // their memory counts for figure memory too
    }

    // -------------------------------------------------------------------------------------------
    // figure memory: peak RSS (VmHWM, reset before each job) of worker and API.
    if ((want('memory') || want('product-ingest')) && large.length) {
      const w = large.map((m) => m.mem.workerMb);
      const a = large.map((m) => m.mem.apiMb);
      const idle = report.details.idleRss as { workerMb: number; apiMb: number };
      rows.push({ fig: 'memory', metric: `worker RSS idle, just started (${SOURCES ? 'sources under tsx, bundles workflows/ itself' : 'compiled, prebuilt workflow bundle'})`, value: idle.workerMb, unit: 'MB', runs: [] });
      if (!QUICK && !SOURCES) {
        // What the build saves: the same worker from its sources under tsx, bundling workflows/ at start.
        await stack.startWorker({}, [], 'sources');
        await sleep(1_000);
        const src = (readMem(stack.worker!.pid)?.rssKb ?? NaN) / 1024;
        await stack.startWorker();
        rows.push({ fig: 'memory', metric: '  same from sources under tsx, bundling workflows/ at start', value: src, unit: 'MB', runs: [] });
      }
      rows.push({ fig: 'memory', metric: 'worker peak RSS during the large job', value: max(w), unit: 'MB', aim: '< 512 MB', met: max(w) < 512, runs: w });
      const at = large.map((m) => m.mem.workerGauges).find((g) => g)?.atPeak;
      if (at) rows.push({ fig: 'memory', metric: `  worker at its peak (own gauges): V8 heap used ${fmt(at.heapUsedMb)} of ${fmt(at.heapTotalMb)} committed, external ${fmt(at.externalMb)}`, value: at.rssMb, unit: 'MB RSS', runs: [] });
      rows.push({ fig: 'memory', metric: 'API peak RSS during the large job', value: max(a), unit: 'MB', runs: a });
    }
    if (want('memory')) {
      if (P.tenK) {
        const req = manyUnitRequest(P.tenK, 'T');
        const units = req.symbols.length * req.timeframes.length;
        await warm(stack, `${units}-unit job`, req);
        await resetBars(stack.admin);
        const m = await measureJob(stack, req, { timeoutMs: 20 * 60_000 });
        const ups = (m.units.completed / m.wallMs) * 1000;
        log(`${units} units ${m.status} in ${fmt(m.wallMs / 1000)} s (${fmt(ups)} units/s); worker peak ${fmt(m.mem.workerMb)} MB, API peak ${fmt(m.mem.apiMb)} MB; cpu ${cpuLine(m.cpu)}`);
        if (m.status !== 'completed') report.errors.push(`10k-unit job ${m.jobId} ended ${m.status}`);
        rows.push({ fig: 'memory', metric: `worker peak RSS during a ${units}-unit job (${req.symbols.length} sym x ${req.timeframes}, 2 days)`, value: m.mem.workerMb, unit: 'MB', aim: '< 512 MB', met: m.mem.workerMb < 512, runs: [m.mem.workerMb] });
        const g = m.mem.workerGauges?.atPeak;
        if (g) rows.push({ fig: 'memory', metric: `  worker at its peak (own gauges): V8 heap used ${fmt(g.heapUsedMb)} of ${fmt(g.heapTotalMb)} committed, external ${fmt(g.externalMb)}`, value: g.rssMb, unit: 'MB RSS', runs: [] });
        rows.push({ fig: 'memory', metric: `API peak RSS during the ${units}-unit job`, value: m.mem.apiMb, unit: 'MB', runs: [m.mem.apiMb] });
        rows.push({ fig: 'memory', metric: `  ${units}-unit job throughput (c=${req.concurrency})`, value: ups, unit: 'units/s', runs: [ups] });
        otherLoad('memory', [m.cpu]);
        report.details.tenK = slim(m);
      } else {
        log('the 10,000-unit memory job is skipped in --quick');
      }
    }

    // -------------------------------------------------------------------------------------------
    // figure rate-limit: rate-limited reality. One request per unit (daily/weekly bars of one week, tickers
    // the simulator has already built), about `seconds` worth of requests at the worker's rate.
    if (want('rate-limit')) {
      const R = P.rate;
      const n = Math.ceil((R.workerRpm / 60) * R.seconds);
      await warmSmall();
      const req: BackfillRequest = {
        symbols: smallReq.symbols.slice(0, Math.ceil(n / smallReq.timeframes.length)),
        timeframes: [...smallReq.timeframes],
        start_date: '2023-03-06',
        end_date: '2023-03-10',
        adjusted: true,
        concurrency: R.concurrency,
      };
      await stack.sim.setOptions({ rpm: R.R, latencyMs: R.latencyMs });
      await stack.sim.resetStats();
      await stack.startWorker({ POLYGON_RATE_LIMIT_RPM: String(R.workerRpm) });
      const sampler = await RateSampler.start(() => stack.sim.stats());
      const m = await measureJob(stack, req, { countRows: false });
      const rr: RateResult = await sampler.stop();
      await stack.sim.setOptions({ rpm: 0, latencyMs: 0 });
      await stack.startWorker();
      const ratio = rr.rpm / R.R;
      log(`rate-limited: ${rr.requests} requests over ${fmt(rr.windowMs / 1000)} s = ${fmt(rr.rpm)}/min (${fmt(ratio * 100)}% of ${R.R}), ${rr.status429} x 429; job ${m.status}; cpu ${cpuLine(m.cpu)}`);
      rows.push({
        fig: 'rate-limit',
        metric: `rate-limited: achieved req/min (sim R=${R.R}/min + ${R.latencyMs} ms; worker limit ${R.workerRpm}/min = ${fmt((R.workerRpm / R.R) * 100, 0)}% of R; ${req.symbols.length * req.timeframes.length} units, c=${R.concurrency})`,
        value: rr.rpm,
        unit: 'req/min',
        ratio,
        ratioOf: 'R',
        aim: '>= 95% of R',
        met: ratio >= 0.95,
        runs: [rr.rpm],
      });
      rows.push({ fig: 'rate-limit', metric: '429 responses received', value: rr.status429, unit: '429s', aim: '0', met: rr.status429 === 0, runs: [rr.status429] });
      rows.push({ fig: 'rate-limit', metric: '  req/min from the POST (job start-up included)', value: rr.rpmFromPost, unit: 'req/min', ratio: rr.rpmFromPost / R.R, ratioOf: 'R', runs: [rr.rpmFromPost] });
      report.details.rate = { ...rr, units: req.symbols.length * req.timeframes.length, job: slim(m) };
      if (m.status !== 'completed') report.errors.push(`rate-limited job ${m.jobId} ended ${m.status}`);
    }

    if (want('requests-per-unit')) {
      const r = await requestsPerUnit(stack.sim.url, SIM_KEY);
      rows.push(...r.rows);
      report.details.requestsPerUnit = r.details;
    }
    if (want('grouped-daily')) {
      const r = await groupedDailySaving();
      rows.push(...r.rows);
      report.details.groupedDaily = r.details;
    }

    // -------------------------------------------------------------------------------------------
    // figure ledger-cost (issue 12): the product's large job with validation and the coverage ledger
    // (the default) and without them (worker INGEST_COVERAGE=false, a switch for this measurement
    // only), alternating which goes first, each on a freshly started worker after a warm-up job.
    // Cost = 1 - with/without, per pair, then the median of the pairs.
    if (want('ledger-cost')) {
      if (!ds) await warm(stack, 'ledger-cost job', largeReq);
      const modes = { on: {}, off: { INGEST_COVERAGE: 'false' } } as const;
      const runsBy: Record<'on' | 'off', JobMeasure[]> = { on: [], off: [] };
      const pairs: number[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const order: Array<'on' | 'off'> = run % 2 === 1 ? ['on', 'off'] : ['off', 'on'];
        const rates: Partial<Record<'on' | 'off', number>> = {};
        for (const mode of order) {
          await stack.startWorker({ ...modes[mode] });
          await measureJob(stack, { ...largeReq, symbols: largeReq.symbols.slice(0, 2), start_date: '2022-12-01', end_date: '2022-12-09' }, { countRows: false });
          await stack.admin.query('TRUNCATE bars, coverage_days');
          await stack.admin.query('CHECKPOINT');
          const m = await measureJob(stack, largeReq);
          const ledgerRows = Number((await stack.admin.query<{ n: string }>('SELECT count(*) AS n FROM coverage_days')).rows[0]!.n);
          runsBy[mode].push(m);
          rates[mode] = rate(m.inserted, m.wallMs);
          log(`run ${run}: ledger ${mode}: ${m.status}, ${fmt(m.inserted)} new bars in ${fmt(m.wallMs / 1000)} s = ${fmt(rates[mode]!)} bars/s; ${ledgerRows} ledger rows; cpu ${cpuLine(m.cpu)}`);
          if (m.status !== 'completed') report.errors.push(`ledger-cost ${mode} job ${m.jobId} ended ${m.status}`);
          if ((mode === 'on') !== ledgerRows > 0) report.errors.push(`ledger-cost ${mode}: ${ledgerRows} ledger rows after the job (the switch did not take)`);
        }
        pairs.push(1 - rates.on! / rates.off!);
      }
      await stack.startWorker();
      const bps = (ms: JobMeasure[]) => ms.map((m) => rate(m.inserted, m.wallMs));
      const perBar = (ms: JobMeasure[], k: string) => median(ms.map((m) => ((m.cpu.ms[k] ?? NaN) / m.inserted) * 1000));
      const cost = median(pairs);
      const job = `${largeReq.symbols.length} sym x ${largeReq.timeframes} ${largeReq.start_date}..${largeReq.end_date}, c=${LARGE_CONCURRENCY}`;
      rows.push({ fig: 'ledger-cost', metric: `product ingest with validation + coverage ledger (default; ${job})`, value: median(bps(runsBy.on)), unit: 'new bars/s', runs: bps(runsBy.on) });
      rows.push({ fig: 'ledger-cost', metric: '  same job without them (worker INGEST_COVERAGE=false, measurement only)', value: median(bps(runsBy.off)), unit: 'new bars/s', runs: bps(runsBy.off) });
      rows.push({
        fig: 'ledger-cost',
        metric: `  ingest cost of ledger + validation: 1 - with/without (median of ${pairs.length} same-run pairs, order alternating)`,
        value: cost * 100,
        unit: '%',
        aim: '<= 5%',
        met: cost <= 0.05,
        runs: pairs.map((x) => x * 100),
      });
      // CPU is what the ledger adds, and on a shared machine it is steadier than wall time: the sum
      // over our processes (worker, Postgres, Temporal, API, simulator) per bar, with against without.
      const totalPerBar = (ms: JobMeasure[]) => median(ms.map((m) => (['worker', 'postgres', 'temporal', 'api', 'sim'].reduce((a, k) => a + (m.cpu.ms[k] ?? 0), 0) / m.inserted) * 1000));
      const cpuOn = totalPerBar(runsBy.on);
      const cpuOff = totalPerBar(runsBy.off);
      rows.push({
        fig: 'ledger-cost',
        metric: `  CPU per bar of our processes, with / without: ${fmt(cpuOn, 2)} / ${fmt(cpuOff, 2)} us (medians)`,
        value: (cpuOn / cpuOff - 1) * 100,
        unit: '% more CPU',
        runs: [],
      });
      for (const k of ['worker', 'postgres']) {
        rows.push({ fig: 'ledger-cost', metric: `  ${k} CPU per bar, with / without: ${fmt(perBar(runsBy.on, k), 2)} / ${fmt(perBar(runsBy.off, k), 2)}`, value: perBar(runsBy.on, k) - perBar(runsBy.off, k), unit: 'us/bar more', runs: [] });
      }
      const v = measureValidation('AAPL', '2023-01-01', '2023-03-31', 15);
      const pe = v.parseNs + v.encodeNs;
      rows.push({ fig: 'ledger-cost', metric: `  validation CPU per bar, 1 thread, fastest of 15 rounds (bench/validate.ts; parse ${fmt(v.parseNs, 0)} + encode ${fmt(v.encodeNs, 0)} ns/bar beside it)`, value: v.validateNs, unit: 'ns/bar', ratio: v.validateNs / pe, ratioOf: 'parse+encode', runs: [] });
      rows.push({ fig: 'ledger-cost', metric: '  validation + ledger day facts per page (inspectPage), 1 thread', value: v.inspectNs, unit: 'ns/bar', ratio: v.inspectNs / pe, ratioOf: 'parse+encode', runs: [] });
      otherLoad('ledger-cost', [...runsBy.on, ...runsBy.off].map((m) => m.cpu));
      report.details.ledgerCost = { on: runsBy.on.map(slim), off: runsBy.off.map(slim), pairs, validation: v };
    }

    // -------------------------------------------------------------------------------------------
    // --profile: the worker under --cpu-prof (every thread) for one large job and one small-units
    // job; only the samples inside each job's window are summarised.
    if (PROFILE) {
      const dir = join(ROOT, '.bench', `prof-${report.startedAt.replace(/[:.]/g, '-')}`);
      mkdirSync(dir, { recursive: true });
      await stack.startWorker({}, ['--cpu-prof', '--cpu-prof-dir', dir]);
      await warmSmall();
      const windows: Record<string, { fromUs: number; toUs: number; job: JobMeasure }> = {};
      for (const [name, req] of [['large', largeReq], ['small', smallReq]] as const) {
        await resetBars(stack.admin);
        const fromUs = hrUs();
        const m = await measureJob(stack, req);
        windows[name] = { fromUs, toUs: hrUs(), job: m };
        log(`profiled ${name} job: ${m.status} in ${fmt(m.wallMs / 1000)} s (profiling slows it); cpu ${cpuLine(m.cpu)}`);
      }
      await stack.stopWorker();
      const files = profilesIn(dir);
      if (files.length) {
        const out: Record<string, unknown> = { dir, files };
        for (const [name, w] of Object.entries(windows)) {
          const s = summarizeProfiles(files, w);
          process.stdout.write(`\n== worker CPU profile, ${name} job ==\n${renderProfile(s)}\n`);
          out[name] = { ...s, job: slim(w.job) };
        }
        report.details.profile = out;
      } else {
        report.errors.push('no .cpuprofile written by the worker (did it exit cleanly on SIGTERM?)');
      }
    }
  } catch (err) {
    report.errors.push(`bench aborted: ${(err as Error).stack ?? String(err)}`);
    log(`ERROR ${(err as Error).message}`);
    if (stack.worker) report.details.workerTail = stack.worker.output().split('\n').slice(-40);
    if (stack.api) report.details.apiTail = stack.api.output().split('\n').slice(-40);
  } finally {
    await stack.stop().catch((e: Error) => report.errors.push(`teardown: ${e.message}`));
  }

  report.finishedAt = new Date().toISOString();
  const file = writeReport(report);
  const head = `polygon-backfill bench (${report.mode}) ${report.startedAt} on ${report.machine.cpus} x ${report.machine.cpuModel}, Postgres ${report.machine.postgres ?? '?'}, Node ${process.version}`;
  process.stdout.write(`\n${head}\n${renderTable(rows)}\n`);
  if (report.errors.length) process.stdout.write(`\nerrors:\n- ${report.errors.join('\n- ')}\n`);
  process.stdout.write(`\nJSON: ${file}\n`);
  if (flag('markdown')) process.stdout.write(`\n${renderMarkdown(rows)}\n`);
  log(`done in ${fmt((performance.now() - T0) / 1000)} s`);
  process.exit(report.errors.some((e) => e.startsWith('bench aborted')) ? 1 : 0);
}

void main();
