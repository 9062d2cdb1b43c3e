// Scenario 12 (issue 12): the coverage ledger after a worker SIGKILL mid-unit. Two tickers over
// 2024-07-01..09 (the 07-03 early close, Independence Day, a weekend), each with a session Polygon
// has no bar for and a bad bar; the only worker is killed after a 1m unit committed some pages and
// before it ends, and a new worker finishes the job. The ledger must match the bars exactly (per
// series and date: bar count, first and last bar), and the coverage API must report the gap as
// `no_bars`, the holiday and weekend `closed`, the bad bar's day `suspect` with its rule, every other
// session `complete`, and dates never fetched `not_fetched`. Then a `strict` job posted through the
// API over a day with a bad bar fails its unit with bad_data, stores none of the page (the day stays
// `not_fetched`), and lists the rule.
import { describe, expect, it } from 'vitest';
import { useScenario, expectJobCompleted, expectNoCrashes } from './harness/use-scenario.js';
import { sleep, waitForJobEnd } from './harness/stack.js';
import { waitFor, StopWaiting } from '../helpers/wait.js';
import { expectLedgerMatchesBars } from '../coverage/ledger-check.js';
import type { CoverageBody } from '../../src/api/coverage-schemas.js';
import type { ValidationRule } from '../../workflows/vocabulary.js';

const TICKERS = {
  AAPL: { missingSessions: ['2024-07-02'], badBars: [{ date: '2024-07-08', kind: 'open_outside_range' as ValidationRule, index: 30 }] },
  MSFT: {
    missingSessions: ['2024-07-09'],
    badBars: [
      { date: '2024-07-05', kind: 'high_below_low' as ValidationRule, index: 50 },
      // After the first job's range: the strict job's day.
      { date: '2024-07-10', kind: 'volume_invalid' as ValidationRule, index: 10 },
    ],
  },
};
const SYMBOLS = Object.keys(TICKERS) as Array<keyof typeof TICKERS>;
const TIMEFRAMES = ['1m', '5m'];
const START = '2024-07-01';
const END = '2024-07-09';
const CLOSED = ['2024-07-04', '2024-07-06', '2024-07-07'];
const SESSIONS = ['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05', '2024-07-08', '2024-07-09'];

/** date -> state the ledger must report for a ticker over START..END. */
function expectedStates(symbol: keyof typeof TICKERS): Record<string, string> {
  const cfg = TICKERS[symbol];
  const out: Record<string, string> = {};
  for (const d of [...SESSIONS, ...CLOSED].sort()) {
    out[d] = CLOSED.includes(d) ? 'closed' : cfg.missingSessions.includes(d) ? 'no_bars' : cfg.badBars.some((b) => b.date === d) ? 'suspect' : 'complete';
  }
  return out;
}

describe('scenario 12: coverage ledger exact after a worker SIGKILL mid-unit', () => {
  const s = useScenario('12-coverage-ledger', {
    // 200-bar pages end inside sessions (a date continues across pages, and across the kill);
    // latency makes a 1m unit's ~33 pages last long enough to be killed in the middle.
    sim: { latencyMs: 30, tickers: TICKERS },
    env: { POLYGON_PAGE_LIMIT: '200' },
  });

  it('the ledger matches the bars and every date has its state, through the API', async () => {
    const { stack, report, rng, db } = s;
    const worker = await stack.startWorker('worker');
    await stack.startApi();
    const { jobId, workflowId } = await stack.startJob({ symbols: SYMBOLS, timeframes: TIMEFRAMES, start_date: START, end_date: END, concurrency: 2 });

    // Kill point: a 1m unit running with at least `after` committed pages (of about 33).
    const after = rng.int(3, 12);
    const victim = await waitFor(
      `a 1m unit to commit ${after} pages`,
      async () => {
        const { rows } = await db.pool.query<{ unit_no: number; symbol: string; pages: number; status: string }>(
          `SELECT unit_no, symbol, pages, status FROM job_units WHERE job_id = $1 AND timeframe = '1m' ORDER BY unit_no`,
          [jobId],
        );
        if (rows.length > 0 && rows.every((r) => r.status === 'completed')) throw new StopWaiting('every 1m unit completed before the kill: the scenario is too short');
        return rows.find((r) => r.status === 'running' && r.pages >= after);
      },
      60_000,
      20,
    );
    const delay = rng.int(0, 60);
    await sleep(delay);
    await worker.kill9();
    const { rows: atKill } = await db.pool.query<{ pages: number; status: string }>('SELECT pages, status FROM job_units WHERE job_id = $1 AND unit_no = $2', [jobId, victim.unit_no]);
    report.inject(`SIGKILL worker pid ${worker.pid} ${delay} ms after unit ${victim.unit_no} (${victim.symbol} 1m) reached ${victim.pages} pages; then: ${atKill[0]!.status}, ${atKill[0]!.pages} pages`);
    // Mid-unit: the unit had committed pages and had not ended when its worker died.
    expect(atKill[0]!.status).toBe('running');
    expect(atKill[0]!.pages).toBeGreaterThan(0);
    await stack.startWorker('worker-2');
    report.inject('a new worker started');

    await expectJobCompleted(s, jobId, workflowId, 120_000);
    const { rows: unit } = await db.pool.query<{ attempts: number }>('SELECT attempts FROM job_units WHERE job_id = $1 AND unit_no = $2', [jobId, victim.unit_no]);
    report.verify(unit[0]!.attempts >= 2, `the killed unit was finished by a later attempt (attempts ${unit[0]!.attempts})`);
    expect(unit[0]!.attempts).toBeGreaterThanOrEqual(2);

    for (const symbol of SYMBOLS) {
      for (const tf of TIMEFRAMES) {
        // Ledger vs bars table, per date: bar count, first and last bar.
        const days = await expectLedgerMatchesBars(db.pool, symbol, tf, START, END);
        report.verify(true, `${symbol} ${tf}: ledger equals the bars table on ${days} dates with bars`);

        // The coverage API over the job's range and two days before it, never fetched.
        const a = await stack.http<CoverageBody>('GET', `/api/v1/series/${symbol}/${tf}/coverage?start=2024-06-27&end=${END}`);
        expect(a.status, a.text).toBe(200);
        const states = Object.fromEntries(a.body.days.map((d) => [d.date, d.state]));
        expect(states).toEqual({ '2024-06-27': 'not_fetched', '2024-06-28': 'not_fetched', '2024-06-29': 'closed', '2024-06-30': 'closed', ...expectedStates(symbol) });
        const bad = TICKERS[symbol].badBars[0]!;
        const byDate = new Map(a.body.days.map((d) => [d.date, d]));
        expect(byDate.get(bad.date)!.rules).toEqual([bad.kind]);
        expect(a.body.days.filter((d) => d.date !== bad.date).every((d) => d.rules.length === 0 && d.violations === 0)).toBe(true);
        // The API's per-day figures are the bars table's.
        const { rows: stored } = await db.pool.query<{ day: string; bars: number; first: Date; last: Date }>(
          `SELECT (b.ts AT TIME ZONE 'America/New_York')::date::text AS day, count(*)::int AS bars, min(b.ts) AS first, max(b.ts) AS last
             FROM bars b JOIN series sr USING (series_id) WHERE sr.symbol = $1 AND sr.timeframe = $2 AND sr.adjusted GROUP BY 1 ORDER BY 1`,
          [symbol, tf],
        );
        expect(a.body.days.filter((d) => d.bars > 0).map((d) => ({ day: d.date, bars: d.bars, first: d.first, last: d.last }))).toEqual(
          stored.map((r) => ({ day: r.day, bars: r.bars, first: r.first.toISOString(), last: r.last.toISOString() })),
        );
        // The early close: the extended session ends at 17:00 New York (21:00Z in July).
        const early = byDate.get('2024-07-03')!;
        expect(early.state).toBe('complete');
        expect(early.last! < '2024-07-03T21:00:00.000Z' && early.last! > '2024-07-03T20:00:00.000Z').toBe(true);
        expect(a.body.summary).toMatchObject({ sessions: 8, complete: 4, no_bars: 1, suspect: 1, not_fetched: 2, closed: 5 });
        report.verify(true, `${symbol} ${tf}: coverage API states, rules, per-day bars and summary as configured`);
      }
    }

    // A range never fetched at all (a week without a holiday).
    const never = await stack.http<CoverageBody>('GET', '/api/v1/series/AAPL/1m/coverage?start=2024-06-10&end=2024-06-14');
    expect(never.status).toBe(200);
    expect(never.body.days.map((d) => d.state)).toEqual(Array(5).fill('not_fetched'));
    expect(never.body.summary.gaps).toEqual([{ start: '2024-06-10', end: '2024-06-14', sessions: 5, state: 'not_fetched' }]);

    // The job's quality block counts the same ledger.
    const st = await stack.http<{ quality: { sessions_covered: number; gaps: number; suspect: number; violations_by_rule: Record<string, number> } }>('GET', `/api/v1/backfill/status/${jobId}`);
    expect(st.body.quality).toEqual({
      sessions_covered: SESSIONS.length * SYMBOLS.length * TIMEFRAMES.length,
      gaps: SYMBOLS.length * TIMEFRAMES.length,
      suspect: SYMBOLS.length * TIMEFRAMES.length,
      violations_by_rule: { open_outside_range: TIMEFRAMES.length, high_below_low: TIMEFRAMES.length },
    });
    report.verify(true, `job quality: ${JSON.stringify(st.body.quality)}`);
    expectNoCrashes(s);
  });

  it('a strict job through the API fails the bad bar\'s unit with bad_data, stores none of its page, and leaves the ledger exact', async () => {
    const { stack, report, db } = s;
    const bad = TICKERS.MSFT.badBars[1]!;
    const { rows: before } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bars');
    const { jobId } = await stack.startJob({ symbols: ['MSFT'], timeframes: ['1m'], start_date: bad.date, end_date: bad.date, validation: 'strict' });
    const status = await waitForJobEnd(db.pool, jobId, 60_000, report, stack);
    expect(status).toBe('failed');
    const { rows: units } = await db.pool.query<{ status: string; error_code: string; error_message: string; bars_fetched: number }>(
      'SELECT status, error_code, error_message, bars_fetched FROM job_units WHERE job_id = $1',
      [jobId],
    );
    expect(units.map((u) => [u.status, u.error_code, u.bars_fetched])).toEqual([['failed', 'bad_data', 0]]);
    expect(units[0]!.error_message).toMatch(new RegExp(`failed validation: ${bad.kind} at ${bad.date}T`));
    const issues = await stack.http<{ issues: Array<{ rule: string }> }>('GET', `/api/v1/backfill/${jobId}/issues`);
    expect(issues.body.issues.map((i) => i.rule)).toEqual([bad.kind]);
    const { rows: after } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM bars');
    expect(after[0]!.n).toBe(before[0]!.n);
    await expectLedgerMatchesBars(db.pool, 'MSFT', '1m', START, END);
    // Nothing of the failed page was committed, the ledger's rows included: the day is still not fetched.
    const cov = await stack.http<CoverageBody>('GET', `/api/v1/series/MSFT/1m/coverage?start=${bad.date}&end=${bad.date}`);
    expect(cov.body.days.map((d) => d.state)).toEqual(['not_fetched']);
    report.verify(true, `strict job ${jobId.slice(0, 8)} failed its unit with bad_data (${units[0]!.error_message.slice(0, 80)}...), stored nothing, ledger still exact`);
    expectNoCrashes(s);
  });
});
