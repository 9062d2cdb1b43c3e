// The ceiling figure: what Postgres on this machine can take for the very bars of the product job, with no
// HTTP and no Temporal. Plain binary COPY straight into `bars` (not idempotent: the upper bound), and
// the idempotent ceiling through the product's own page writer held to its staged path (binary COPY
// into its temp stage, INSERT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT FROM and the unit's
// cursor update, one transaction a page: what a page over stored bars costs), with 1 and 2
// connections. The table is emptied before each run and a CHECKPOINT taken outside the timing so
// that every run starts from the same state.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { createPool } from '../src/db/pool.js';
import { createPageWriter } from '../src/db/write-page.js';
import { copyPlain, type SeriesBars } from './copy.js';
import type { ColumnPage, Dataset } from './data.js';
import { hrMs } from './stats.js';
import { readCpuMs } from './proc.js';

export interface CeilingRun {
  rows: number;
  ms: number;
  rowsPerSec: number;
  /** CPU of the Postgres backends that served the run (read before they close). */
  backendCpuMs: number;
}

async function backendPid(c: pg.ClientBase): Promise<number> {
  const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

const cpuOf = (pids: number[]) => pids.reduce((a, pid) => a + (readCpuMs(pid) ?? 0), 0);

/** Empties bars and settles WAL so that each run starts alike (outside every timing). */
export async function resetBars(admin: pg.ClientBase): Promise<void> {
  await admin.query('TRUNCATE bars');
  await admin.query('CHECKPOINT');
}

/** Splits pages across `conns` lanes by series (like units spread over connections), keeping page order. */
function lanes(ds: Dataset, conns: number): ColumnPage[][] {
  const out: ColumnPage[][] = Array.from({ length: conns }, () => []);
  for (const p of ds.pages) out[p.series % conns]!.push(p);
  return out;
}

/** Series ids for the ceiling: far from any id the product's series table hands out. */
const CEILING_SERIES_BASE = 1_000_000;

export async function plainCopy(dbUrl: string, ds: Dataset, conns: number): Promise<CeilingRun> {
  const clients = await Promise.all(
    Array.from({ length: conns }, async () => {
      const c = new pg.Client({ connectionString: dbUrl, application_name: 'bench-ceiling' });
      await c.connect();
      return c;
    }),
  );
  try {
    const pids = await Promise.all(clients.map(backendPid));
    const cpu0 = cpuOf(pids);
    const work = lanes(ds, conns);
    const t0 = hrMs();
    const counts = await Promise.all(
      clients.map((c, i) => {
        // Encoded lazily, page by page, inside the timing.
        function* series(): Generator<SeriesBars> {
          for (const p of work[i]!) yield { seriesId: CEILING_SERIES_BASE + p.series, bars: p };
        }
        return copyPlain(c, series());
      }),
    );
    const ms = hrMs() - t0;
    const backendCpuMs = cpuOf(pids) - cpu0;
    const rows = counts.reduce((a, b) => a + b, 0);
    return { rows, ms, rowsPerSec: (rows / ms) * 1000, backendCpuMs };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * The product's write path (src/db/write-page.ts) page by page, each lane a sequence of pages of its
 * series as one unit activity would write them. A job row and one running unit row per series exist
 * first, so that the cursor update inside each page's transaction is the real one.
 */
export async function idempotentCopy(dbUrl: string, ds: Dataset, conns: number, opts: { direct?: boolean } = {}): Promise<CeilingRun & { inserted: number }> {
  const pool = createPool({ connectionString: dbUrl, max: conns, applicationName: 'bench-ceiling' });
  const jobId = randomUUID();
  try {
    await pool.query(
      `INSERT INTO jobs (job_id, workflow_id, symbols, timeframes, start_date, end_date, adjusted, concurrency, units_total, status)
       VALUES ($1, $2, $3, $4, '2000-01-01', '2000-01-02', true, $5, $6, 'running')`,
      [jobId, `bench-ceiling-${jobId}`, ds.series.map((s) => s.symbol), [...new Set(ds.series.map((s) => s.timeframe))], conns, ds.series.length],
    );
    await pool.query(
      `INSERT INTO job_units (job_id, unit_no, symbol, timeframe, status, attempts, attempt_token, started_at)
       SELECT $1, i - 1, s, t, 'running', 1, 1, now() FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(s, t, i)`,
      [jobId, ds.series.map((s) => s.symbol), ds.series.map((s) => s.timeframe)],
    );
    // Staged by default, on every page: the table is empty, so the product would load it directly
    // (`direct: true` measures that: the page writer's fresh-range path).
    const writePage = createPageWriter(pool, { direct: opts.direct ?? false });
    // Open every connection (and its temp stage) before the clock starts, as a warm worker has.
    const warm = await Promise.all(Array.from({ length: conns }, () => pool.connect()));
    const pids: number[] = [];
    for (const c of warm) {
      pids.push(await backendPid(c));
      await c.query(
        `CREATE TEMP TABLE IF NOT EXISTS bars_stage (ts timestamptz, open float8, high float8, low float8, close float8, volume float8, vwap float8, trades int8) ON COMMIT DELETE ROWS`,
      );
      c.release();
    }
    const work = lanes(ds, conns);
    let inserted = 0;
    let rows = 0;
    const cpu0 = cpuOf(pids);
    const t0 = hrMs();
    await Promise.all(
      work.map(async (pages) => {
        for (const p of pages) {
          const r = await writePage({ jobId, unitNo: p.series, attemptToken: 1, seriesId: CEILING_SERIES_BASE + p.series, bars: p, cursor: { afterTs: p.t[p.count - 1]! } });
          if (!r.committed) throw new Error('ceiling page not committed');
          inserted += r.inserted;
          rows += p.count;
        }
      }),
    );
    const ms = hrMs() - t0;
    const backendCpuMs = cpuOf(pids) - cpu0;
    return { rows, inserted, ms, rowsPerSec: (rows / ms) * 1000, backendCpuMs };
  } finally {
    await pool.query('DELETE FROM jobs WHERE job_id = $1', [jobId]).catch(() => undefined);
    await pool.end();
  }
}
