// The checker: after a scenario, the database must hold exactly the bars the simulator serves for
// every completed unit (none missing, none duplicated, none extra, every value equal), failed units
// must carry the right reason and may only have stored true bars, the job rows' counters must add
// up to the rows stored, and the job status must agree with its units.
import type { Pool } from '../../../src/db/pool.js';
import type { JobStatus, UnitStatus } from '../../../workflows/messages.js';
import type { Report } from './report.js';
import type { Bar } from '../../../src/polygon/types.js';
import { nyDayOf } from '../../../src/polygon/index.js';
import { isFinalJobStatus } from '../../../workflows/vocabulary.js';

/** One bar as the simulator serves it (Polygon's field names; `vw` and `n` may be absent). */
export type SimBar = Omit<Bar, 'vw' | 'n'> & Partial<Pick<Bar, 'vw' | 'n'>>;

/** expectedBars(ticker, timeframe, from, to, adjusted) from the simulator. */
export type ExpectedBarsFn = (ticker: string, timeframe: string, from: string, to: string, adjusted: boolean) => SimBar[];

export interface UnitExpectation {
  status: UnitStatus | UnitStatus[];
  /** Allowed error codes of a failed unit (any non-empty code when absent). */
  errorCodes?: string[];
}

export interface JobExpectation {
  jobId: string;
  status: JobStatus | JobStatus[];
  /** Per unit, keyed `SYMBOL/timeframe`; units not listed use `defaultUnit`. */
  units?: Record<string, UnitExpectation>;
  /** Default: completed. */
  defaultUnit?: UnitExpectation;
}

export interface CheckOptions {
  pool: Pool;
  jobs: JobExpectation[];
  expectedBars: ExpectedBarsFn;
  report: Report;
  /**
   * The database holds only these jobs' bars: every stored row must belong to them and the sum of
   * the units' new-row counters must equal the rows stored. Default true.
   */
  exclusive?: boolean;
}

export interface JobRow {
  job_id: string;
  workflow_id: string;
  status: JobStatus;
  symbols: string[];
  timeframes: string[];
  start_date: string;
  end_date: string;
  adjusted: boolean;
  units_total: number;
  completed_at: Date | null;
  error: string | null;
}

export interface UnitRow {
  job_id: string;
  unit_no: number;
  symbol: string;
  timeframe: string;
  status: UnitStatus;
  attempts: number;
  pages: number;
  bars_fetched: number;
  bars_inserted: number;
  error_code: string | null;
  error_message: string | null;
  /** The New York date runs the unit fetched (reprocess "missing"); null: its whole range. */
  fetch_runs: [number, number][] | null;
}

export interface CheckSummary {
  jobs: Array<{ jobId: string; status: JobStatus; units: Record<string, number>; fetched: number; inserted: number }>;
  rowsStored: number;
  seriesChecked: number;
  barsExpected: number;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const sameNumber = (a: number | null | undefined, b: number | null | undefined) => {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
};

export class CheckFailed extends Error {
  constructor(readonly problems: string[]) {
    super(`${problems.length} problem(s) in the database:\n  - ${problems.slice(0, 40).join('\n  - ')}${problems.length > 40 ? `\n  ... and ${problems.length - 40} more` : ''}`);
    this.name = 'CheckFailed';
  }
}

function isoDate(d: unknown): string {
  if (d instanceof Date) {
    // `date` columns come back as local-midnight Dates from pg.
    const y = d.getFullYear();
    const m = String(d.getMonth() + 1).padStart(2, '0');
    const day = String(d.getDate()).padStart(2, '0');
    return `${y}-${m}-${day}`;
  }
  return String(d).slice(0, 10);
}

export async function loadJob(pool: Pool, jobId: string): Promise<JobRow | undefined> {
  const { rows } = await pool.query<JobRow>(
    `SELECT job_id, workflow_id, status, symbols, timeframes, start_date, end_date, adjusted, units_total, completed_at, error
       FROM jobs WHERE job_id = $1`,
    [jobId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { ...r, start_date: isoDate(r.start_date), end_date: isoDate(r.end_date) };
}

export async function loadUnits(pool: Pool, jobId: string): Promise<UnitRow[]> {
  const { rows } = await pool.query<UnitRow>(
    `SELECT job_id, unit_no, symbol, timeframe, status, attempts, pages, bars_fetched, bars_inserted, error_code, error_message, fetch_runs
       FROM job_units WHERE job_id = $1 ORDER BY unit_no`,
    [jobId],
  );
  return rows.map((r) => ({ ...r, bars_fetched: Number(r.bars_fetched), bars_inserted: Number(r.bars_inserted) }));
}

interface StoredBar {
  t: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  vwap: number | null;
  trades: number | null;
}

/** Compares the database with the simulator's truth; throws CheckFailed listing every problem. */
export async function checkDatabase(opts: CheckOptions): Promise<CheckSummary> {
  const { pool, report, expectedBars } = opts;
  const exclusive = opts.exclusive ?? true;
  const problems: string[] = [];
  const summary: CheckSummary = { jobs: [], rowsStored: 0, seriesChecked: 0, barsExpected: 0 };

  // series key -> { allowed: t -> bar (union over every unit of the series), required: t set (completed units) }
  const seriesTruth = new Map<string, { symbol: string; timeframe: string; adjusted: boolean; allowed: Map<number, SimBar>; required: Set<number> }>();
  let insertedSum = 0;

  for (const exp of opts.jobs) {
    const job = await loadJob(pool, exp.jobId);
    if (!job) {
      problems.push(`job ${exp.jobId}: no row in jobs`);
      continue;
    }
    const units = await loadUnits(pool, exp.jobId);
    const allowedStatus = asList(exp.status);
    if (!allowedStatus.includes(job.status)) problems.push(`job ${exp.jobId}: status ${job.status}, expected ${allowedStatus.join(' or ')}`);
    if (isFinalJobStatus(job.status) && !job.completed_at) problems.push(`job ${exp.jobId}: final status ${job.status} but completed_at is empty`);

    const expectedUnits = job.symbols.length * job.timeframes.length;
    if (units.length !== expectedUnits) problems.push(`job ${exp.jobId}: ${units.length} unit rows, expected ${job.symbols.length} symbols x ${job.timeframes.length} timeframes = ${expectedUnits}`);
    if (job.units_total !== units.length) problems.push(`job ${exp.jobId}: units_total ${job.units_total} but ${units.length} unit rows`);

    const byStatus: Record<string, number> = {};
    for (const u of units) byStatus[u.status] = (byStatus[u.status] ?? 0) + 1;

    // The job status must agree with its units.
    if (isFinalJobStatus(job.status) && ((byStatus.pending ?? 0) > 0 || (byStatus.running ?? 0) > 0)) {
      problems.push(`job ${exp.jobId}: ended ${job.status} with units still pending/running (${JSON.stringify(byStatus)})`);
    }
    if (job.status === 'completed' && (byStatus.completed ?? 0) !== units.length) {
      problems.push(`job ${exp.jobId}: marked completed but units are ${JSON.stringify(byStatus)}: a gap marked completed`);
    }
    if (job.status === 'completed_with_errors' && !(byStatus.failed ?? 0)) {
      problems.push(`job ${exp.jobId}: completed_with_errors without a failed unit (${JSON.stringify(byStatus)})`);
    }

    let fetched = 0;
    let inserted = 0;
    for (const u of units) {
      const key = `${u.symbol}/${u.timeframe}`;
      const ue = exp.units?.[key] ?? exp.defaultUnit ?? { status: 'completed' };
      const want = asList(ue.status);
      if (!want.includes(u.status)) {
        problems.push(`job ${exp.jobId} unit ${key}: status ${u.status}${u.error_code ? ` (${u.error_code}: ${u.error_message})` : ''}, expected ${want.join(' or ')}`);
      }
      if (u.status === 'failed') {
        if (!u.error_code) problems.push(`job ${exp.jobId} unit ${key}: failed without an error_code`);
        else if (ue.errorCodes && !ue.errorCodes.includes(u.error_code)) problems.push(`job ${exp.jobId} unit ${key}: failed with ${u.error_code} (${u.error_message}), expected ${ue.errorCodes.join(' or ')}`);
        if (!u.error_message) problems.push(`job ${exp.jobId} unit ${key}: failed without an error_message`);
      }
      if (u.bars_inserted > u.bars_fetched) problems.push(`job ${exp.jobId} unit ${key}: bars_inserted ${u.bars_inserted} > bars_fetched ${u.bars_fetched}`);
      if (u.bars_inserted < 0 || u.bars_fetched < 0) problems.push(`job ${exp.jobId} unit ${key}: negative counters`);

      const truth = expectedBars(u.symbol, u.timeframe, job.start_date, job.end_date, job.adjusted);
      const sk = `${u.symbol}\u0000${u.timeframe}\u0000${job.adjusted}`;
      let s = seriesTruth.get(sk);
      if (!s) {
        s = { symbol: u.symbol, timeframe: u.timeframe, adjusted: job.adjusted, allowed: new Map(), required: new Set() };
        seriesTruth.set(sk, s);
      }
      for (const b of truth) s.allowed.set(b.t, b);
      if (u.status === 'completed') {
        for (const b of truth) s.required.add(b.t);
        // Counters are written with each page in one transaction: a completed unit fetched each
        // bar of its range exactly once, however many times it crashed and resumed.
        // With reprocess "missing" only the planned runs are fetched (the rest was held final).
        const runs = u.fetch_runs;
        const planned = runs ? truth.filter((b) => runs.some(([from, to]) => nyDayOf(b.t) >= from && nyDayOf(b.t) <= to)).length : truth.length;
        if (u.bars_fetched !== planned) {
          problems.push(`job ${exp.jobId} unit ${key}: completed with bars_fetched ${u.bars_fetched}, but ${runs ? 'the runs it planned hold' : 'its range has'} ${planned} bars (counters drifted or a page was refetched/skipped)`);
        }
      }
      fetched += u.bars_fetched;
      inserted += u.bars_inserted;
    }
    insertedSum += inserted;
    summary.jobs.push({ jobId: exp.jobId, status: job.status, units: byStatus, fetched, inserted });
    if (opts.jobs.length <= 8) report.note(`job ${exp.jobId.slice(0, 8)}: ${job.status}; units ${JSON.stringify(byStatus)}; fetched ${fetched}, new ${inserted}` +
      units.filter((u) => u.status === 'failed').map((u) => `; ${u.symbol}/${u.timeframe} failed ${u.error_code}`).join(''));
  }

  // Bars, series by series.
  const seenSeriesIds = new Set<number>();
  for (const s of seriesTruth.values()) {
    summary.seriesChecked++;
    summary.barsExpected += s.required.size;
    const { rows: sr } = await pool.query<{ series_id: number }>('SELECT series_id FROM series WHERE symbol = $1 AND timeframe = $2 AND adjusted = $3', [s.symbol, s.timeframe, s.adjusted]);
    const label = `${s.symbol}/${s.timeframe}/${s.adjusted ? 'adj' : 'raw'}`;
    if (!sr[0]) {
      if (s.required.size > 0) problems.push(`series ${label}: no series row, but ${s.required.size} bars were required by completed units`);
      continue;
    }
    const seriesId = Number(sr[0].series_id);
    seenSeriesIds.add(seriesId);
    const { rows: dup } = await pool.query<{ n: number; d: number }>('SELECT count(*)::int AS n, count(DISTINCT ts)::int AS d FROM bars WHERE series_id = $1', [seriesId]);
    if (dup[0] && dup[0].n !== dup[0].d) problems.push(`series ${label}: ${dup[0].n} rows but ${dup[0].d} distinct timestamps: duplicates`);
    const { rows } = await pool.query<StoredBar>(
      `SELECT (extract(epoch FROM ts) * 1000)::bigint AS t, open, high, low, close, volume, vwap, trades FROM bars WHERE series_id = $1 ORDER BY ts`,
      [seriesId],
    );
    let missing = 0;
    let extra = 0;
    let wrong = 0;
    const stored = new Set<number>();
    const samples: string[] = [];
    for (const r of rows) {
      const t = Number(r.t);
      stored.add(t);
      const b = s.allowed.get(t);
      if (!b) {
        extra++;
        if (samples.length < 3) samples.push(`extra ${new Date(t).toISOString()}`);
        continue;
      }
      const ok =
        sameNumber(r.open, b.o) && sameNumber(r.high, b.h) && sameNumber(r.low, b.l) && sameNumber(r.close, b.c) && sameNumber(r.volume, b.v) &&
        sameNumber(r.vwap, b.vw ?? null) && sameNumber(r.trades === null ? null : Number(r.trades), b.n ?? null);
      if (!ok) {
        wrong++;
        if (samples.length < 3) samples.push(`wrong values at ${new Date(t).toISOString()}: stored ${JSON.stringify(r)} vs served ${JSON.stringify(b)}`);
      }
    }
    for (const t of s.required) {
      if (!stored.has(t)) {
        missing++;
        if (samples.length < 6) samples.push(`missing ${new Date(t).toISOString()}`);
      }
    }
    if (missing || extra || wrong) problems.push(`series ${label}: ${rows.length} stored, ${s.required.size} required, ${missing} missing, ${extra} extra, ${wrong} wrong values (${samples.join('; ')})`);
  }

  const { rows: total } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bars');
  summary.rowsStored = total[0]?.n ?? 0;
  if (exclusive) {
    const { rows: other } = await pool.query<{ series_id: number; n: number }>('SELECT series_id, count(*)::int AS n FROM bars GROUP BY series_id');
    for (const o of other) if (!seenSeriesIds.has(Number(o.series_id))) problems.push(`series_id ${o.series_id}: ${o.n} bars that belong to no unit of the checked jobs`);
    if (insertedSum !== summary.rowsStored) {
      problems.push(`sum of job_units.bars_inserted over the checked jobs is ${insertedSum}, but ${summary.rowsStored} rows are stored (new-row counts are not truthful)`);
    }
  }

  if (opts.jobs.length > 8) {
    const byJobStatus: Record<string, number> = {};
    for (const j of summary.jobs) byJobStatus[j.status] = (byJobStatus[j.status] ?? 0) + 1;
    report.note(`${summary.jobs.length} jobs: ${JSON.stringify(byJobStatus)}; fetched ${summary.jobs.reduce((a, j) => a + j.fetched, 0)}, new ${insertedSum}`);
  }
  const what = `${opts.jobs.length} job(s), ${summary.seriesChecked} series, ${summary.barsExpected} bars required, ${summary.rowsStored} rows stored, new-row counters sum ${insertedSum}`;
  if (problems.length) {
    for (const p of problems) report.fail(p);
    throw new CheckFailed(problems);
  }
  report.check(`database matches the simulator exactly: ${what}; no missing, duplicate, extra or wrong bar; counters add up; job/unit statuses as expected`);
  return summary;
}
