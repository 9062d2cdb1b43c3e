// One product job end to end through the API, with what the figures need around it: the rows it
// added (count(*) before and after), per-unit timings from job_units, peak memory of worker and
// API, CPU time of each process, and a summary of the worker's log lines.
import type pg from 'pg';
import { runJob, type BackfillRequest, type JobStatus } from './api.js';
import { tapLogs, type LogSummary } from './logs.js';
import type { Stack } from './stack.js';
import { startCpuProbe, type CpuBreakdown } from './cpu.js';
import { sampleWorkerMemory, type WorkerMemAt } from './worker-mem.js';

export interface UnitTimes {
  units: number;
  completed: number;
  failed: number;
  /** Sum over units of completed_at - started_at (ms): time spent fetching and writing. */
  busyMsSum: number;
  /** First unit start to last unit end (ms), from Postgres' clock. */
  spanMs: number;
  /** jobs.created_at (API insert) to jobs.completed_at (ms). */
  dbJobMs: number;
  pages: number;
  barsFetched: number;
  barsInserted: number;
}

export interface JobMeasure {
  jobId: string;
  status: string;
  final: JobStatus;
  wallMs: number;
  rowsBefore: number;
  rowsAfter: number;
  fetched: number;
  inserted: number;
  units: UnitTimes;
  mem: {
    workerMb: number;
    apiMb: number;
    workerSampledMb: number;
    apiSampledMb: number;
    /** The worker's own gauges at its highest sampled RSS, and each gauge's maximum. */
    workerGauges?: { atPeak: WorkerMemAt; max: WorkerMemAt };
  };
  cpu: CpuBreakdown;
  logs: LogSummary;
}

export async function countBars(admin: pg.ClientBase): Promise<number> {
  const { rows } = await admin.query<{ n: string }>('SELECT count(*) AS n FROM bars');
  return Number(rows[0]!.n);
}

export async function unitTimes(admin: pg.ClientBase, jobId: string): Promise<UnitTimes> {
  const { rows } = await admin.query(
    `SELECT count(*)::int AS units,
            count(*) FILTER (WHERE u.status = 'completed')::int AS completed,
            count(*) FILTER (WHERE u.status = 'failed')::int AS failed,
            coalesce(sum(extract(epoch FROM u.completed_at - u.started_at)), 0)::float8 * 1000 AS busy,
            coalesce(extract(epoch FROM max(u.completed_at) - min(u.started_at)), 0)::float8 * 1000 AS span,
            coalesce(sum(u.pages), 0)::float8 AS pages,
            coalesce(sum(u.bars_fetched), 0)::float8 AS fetched,
            coalesce(sum(u.bars_inserted), 0)::float8 AS inserted,
            (SELECT extract(epoch FROM j.completed_at - j.created_at)::float8 * 1000 FROM jobs j WHERE j.job_id = $1) AS job
       FROM job_units u WHERE u.job_id = $1`,
    [jobId],
  );
  const r = rows[0] as Record<string, number | null>;
  return {
    units: r.units ?? 0,
    completed: r.completed ?? 0,
    failed: r.failed ?? 0,
    busyMsSum: r.busy ?? 0,
    spanMs: r.span ?? 0,
    dbJobMs: r.job ?? NaN,
    pages: r.pages ?? 0,
    barsFetched: r.fetched ?? 0,
    barsInserted: r.inserted ?? 0,
  };
}

export interface JobOptions {
  /** Called once the job id is known (pollers, samplers). */
  onStarted?: (jobId: string) => void;
  countRows?: boolean;
  timeoutMs?: number;
}

export async function measureJob(stack: Stack, body: BackfillRequest, opts: JobOptions = {}): Promise<JobMeasure> {
  const countRows = opts.countRows ?? true;
  const rowsBefore = countRows ? await countBars(stack.admin) : NaN;
  stack.worker?.resetPeak();
  stack.api?.resetPeak();
  const probe = await startCpuProbe(stack.admin, stack.dbName, stack.pids());
  const stopTap = tapLogs(stack.worker);
  const gauges = stack.workerMetricsUrl ? sampleWorkerMemory(stack.workerMetricsUrl) : undefined;
  const run = await runJob(stack.apiUrl, body, { onStarted: opts.onStarted, timeoutMs: opts.timeoutMs });
  const logs = stopTap();
  const workerGauges = await gauges?.stop();
  const cpu = await probe.stop();
  const wm = stack.worker?.peakMb();
  const am = stack.api?.peakMb();
  const rowsAfter = countRows ? await countBars(stack.admin) : NaN;
  const units = await unitTimes(stack.admin, run.jobId);
  return {
    jobId: run.jobId,
    status: run.final.status,
    final: run.final,
    wallMs: run.wallMs,
    rowsBefore,
    rowsAfter,
    fetched: Number(run.final.total_records_fetched ?? units.barsFetched),
    inserted: Number(run.final.total_records_inserted ?? units.barsInserted),
    units,
    mem: { workerMb: wm?.hwmMb ?? NaN, apiMb: am?.hwmMb ?? NaN, workerSampledMb: wm?.sampledMb ?? NaN, apiSampledMb: am?.sampledMb ?? NaN, workerGauges },
    cpu,
    logs,
  };
}

/** A compact copy for the JSON report (the final status can carry large lists). */
export function slim(m: JobMeasure): Record<string, unknown> {
  const { final, logs, ...rest } = m;
  const f: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(final)) if (typeof v !== 'object' || k === 'units') f[k] = v;
  return { ...rest, final: f, logs: { ...logs } };
}
