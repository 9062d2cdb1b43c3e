// A small ledger written by the product's own write path (page writer + inspectPage), for the read
// side's tests (API, CLI, dashboard): three daily series of one job over 2024-01-02..12.
// AAPL: 01-05 a session without a bar (no_bars), 01-09 a bar opening above its high (suspect).
import type { Pool } from '../../src/db/pool.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit } from '../../src/db/unit-attempt.js';
import { seriesId } from '../../src/db/series.js';
import { createPageWriter } from '../../src/db/write-page.js';
import { inspectPage } from '../../src/coverage/inspect-page.js';
import { CalendarSet } from '../../src/calendar/index.js';
import { columnsOf, parseDateToDay, parseTimeframe, type Bar, type Page } from '../../src/polygon/index.js';

export const SEED_JOB = '00000000-0000-4000-8000-0000000c0a11';
/** 00:00 New York (EST) of a January date: a daily bar's timestamp. */
export const nyMidnight = (date: string) => Date.parse(`${date}T00:00:00-05:00`);
const bar = (date: string, o = 100) => ({ t: nyMidnight(date), o, h: 110, l: 90, c: 105, v: 1000, vw: 101, n: 10 });

const PAGES: Record<string, { bars: Bar[]; through: string }> = {
  AAPL: {
    bars: ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-08', '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12'].map((d) => bar(d, d === '2024-01-09' ? 120 : 100)),
    through: '2024-01-12',
  },
  MSFT: { bars: ['2024-01-02', '2024-01-03'].map((d) => bar(d)), through: '2024-01-03' },
  'X:BTCUSD': { bars: ['2024-01-02'].map((d) => bar(d)), through: '2024-01-03' },
};

export async function seedLedger(pool: Pool): Promise<void> {
  const symbols = Object.keys(PAGES);
  await initJob(pool, {
    jobId: SEED_JOB, workflowId: `backfill-${SEED_JOB}`, symbols, timeframes: ['1d'], canonical: [{ timeframe: '1d', multiplier: 1, timespan: 'day' }],
    startDate: '2024-01-02', endDate: '2024-01-12', adjusted: true, concurrency: 1,
  });
  const cals = new CalendarSet();
  const writePage = createPageWriter(pool);
  for (const [i, symbol] of symbols.entries()) {
    const claim = await claimUnit(pool, SEED_JOB, i);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    const sid = await seriesId(pool, { symbol, timeframe: '1d', multiplier: 1, timespan: 'day', adjusted: true });
    const { bars: objects, through } = PAGES[symbol]!;
    const bars = columnsOf(objects);
    const covers = { fromDay: parseDateToDay('2024-01-02')!, toDay: parseDateToDay(through)! };
    const page: Page = { bars, cursor: { afterTs: objects.at(-1)!.t }, requestMs: 1, bytes: 1, covers };
    const { coverage } = inspectPage(page, null, { timeframe: parseTimeframe('1d'), calendar: cals.forTicker(symbol), ...covers });
    await writePage({ jobId: SEED_JOB, unitNo: i, attemptToken: claim.attemptToken, seriesId: sid, bars, cursor: page.cursor, coverage });
  }
}
