// Issue 12's "done when", through the real stack (worker, Temporal, Postgres, the product's Polygon
// client against the simulator configured with a missing session and a bad bar): over 2024-07-01..09
// the missing session is `no_bars`, Independence Day and the weekend `closed`, the bad bar's day
// `suspect` with its rule, every other session `complete` (the 07-03 early close included), and a
// range never fetched `not_fetched`; a `strict` job over the same data fails the unit with bad_data.
import { describe, expect, it } from 'vitest';
import { findSeries } from '../../src/db/series-lookup.js';
import { readCoverage } from '../../src/db/coverage-report.js';
import { buildCoverage } from '../../src/coverage/report.js';
import { CalendarSet } from '../../src/calendar/index.js';
import { parseDateToDay } from '../../src/polygon/index.js';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { expectLedgerMatchesBars, runOneSymbolJob } from './ledger-support.js';

const BAD = { date: '2024-07-08', kind: 'open_outside_range' as const, index: 30 };
const tickers = { AAPL: { missingSessions: ['2024-07-02'], badBars: [BAD] }, MSFT: { badBars: [BAD] } };

describe('coverage end to end against the simulator', () => {
  // 500 results per response: minute pages end inside sessions, so dates are continued across pages.
  const stack = useWorkflowStack('cov-e2e', { sim: { maxResultsPerPage: 500, tickers } });
  const range = { timeframes: ['1m'], startDate: '2024-07-01', endDate: '2024-07-09' };
  const run = (symbol: string, validation: 'record' | 'strict') => runOneSymbolJob(stack, symbol, range, validation);
  const coverage = async (symbol: string, start: string, end: string) => {
    const sid = await findSeries(stack.db.pool, symbol, '1m', true);
    const from = parseDateToDay(start)!;
    const to = parseDateToDay(end)!;
    return buildCoverage(await readCoverage(stack.db.pool, sid!, from, to), from, to, new CalendarSet().forTicker(symbol));
  };

  it('reports exactly the configured gap and bad bar; the holiday and weekend closed; the rest complete', async () => {
    const { jobId, result } = await run('AAPL', 'record');
    expect(result.status).toBe('completed');
    await expectLedgerMatchesBars(stack.db.pool, 'AAPL', '1m', range.startDate, range.endDate);
    const { days, summary } = await coverage('AAPL', '2024-06-28', '2024-07-09');
    expect(Object.fromEntries(days.map((d) => [d.date, d.state]))).toEqual({
      '2024-06-28': 'not_fetched', '2024-06-29': 'closed', '2024-06-30': 'closed',
      '2024-07-01': 'complete', '2024-07-02': 'no_bars', '2024-07-03': 'complete', '2024-07-04': 'closed',
      '2024-07-05': 'complete', '2024-07-06': 'closed', '2024-07-07': 'closed', '2024-07-08': 'suspect', '2024-07-09': 'complete',
    });
    const byDate = new Map(days.map((d) => [d.date, d]));
    expect(byDate.get('2024-07-08')!.rules).toEqual(['open_outside_range']);
    // The early close ends the extended session at 17:00 New York: no bar after it, none outside.
    const early = byDate.get('2024-07-03')!;
    expect(early.last! <= '2024-07-03T20:59:00.000Z' && early.last! > '2024-07-03T20:00:00.000Z').toBe(true);
    expect(byDate.get('2024-07-05')!.last! > '2024-07-05T21:00:00.000Z').toBe(true);
    expect(days.reduce((n, d) => n + d.outside_session, 0)).toBe(0);
    expect(summary).toMatchObject({ sessions: 7, complete: 4, no_bars: 1, suspect: 1, not_fetched: 1 });
    expect(summary.gaps).toEqual([
      { start: '2024-06-28', end: '2024-06-28', sessions: 1, state: 'not_fetched' },
      { start: '2024-07-02', end: '2024-07-02', sessions: 1, state: 'no_bars' },
    ]);
    const { rows } = await stack.db.pool.query(`SELECT rule, count(*)::int AS n FROM bar_violations WHERE job_id = $1 GROUP BY rule`, [jobId]);
    expect(rows).toEqual([{ rule: 'open_outside_range', n: 1 }]);
  });

  it('strict: the same bad bar fails the unit with bad_data and its rule in the message', async () => {
    const { result, units } = await run('MSFT', 'strict');
    expect(result.status).toBe('failed');
    const [unit] = units;
    expect([unit!.status, unit!.error_code]).toEqual(['failed', 'bad_data']);
    expect(unit!.error_message).toMatch(/failed validation: open_outside_range at 2024-07-08T/);
  });
});
