// The ledger's SQL on its own: rows commit with the page or not at all, a resumed page adds to the
// date it continues while a fresh fetch replaces it, states follow the facts, violations are
// recorded per job, and the read side (report, series list, job issues, quality) reads them back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/env.js';
import { createPageWriter } from '../../src/db/write-page.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit } from '../../src/db/unit-attempt.js';
import { seriesId } from '../../src/db/series.js';
import { readCoverage } from '../../src/db/coverage-report.js';
import { listSeries } from '../../src/db/series-list.js';
import { listJobIssues } from '../../src/db/validation-issues.js';
import { jobQuality } from '../../src/db/job-quality.js';
import { pageDayFacts, type Violation } from '../../src/coverage/day-facts.js';
import { CalendarSet } from '../../src/calendar/index.js';
import { buildCoverage } from '../../src/coverage/report.js';
import { columnsOf, parseDateToDay, parseTimeframe, type Bar } from '../../src/polygon/index.js';

const JOB = '00000000-0000-4000-8000-00000000c0de';
const TF = parseTimeframe('1m');
const cal = new CalendarSet().forTicker('AAPL');
const day = (d: string) => parseDateToDay(d)!;
// 2024-07-03 is an early close, 07-04 a holiday; 07-05 a session, 07-06/07 a weekend.
const minute = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00-04:00`);
const bar = (t: number): Bar => ({ t, o: 10, h: 11, l: 9, c: 10.5, v: 100, vw: 10.2, n: 3 });

describe('coverage ledger SQL', () => {
  let db: TestDatabase;
  let sid: number;
  let token: number;
  let writePage: ReturnType<typeof createPageWriter>;
  const write = (bars: Bar[], covers: { fromDay: number; toDay: number } | null, afterTs: number | null, violations: Violation[] = [], attemptToken = token) =>
    writePage({
      jobId: JOB, unitNo: 0, attemptToken, seriesId: sid, bars: columnsOf(bars), cursor: bars.length ? { afterTs: bars.at(-1)!.t } : null,
      coverage: { afterTs, days: pageDayFacts({ bars: columnsOf(bars), covers, violations }, TF, cal), violations },
    });
  const states = async () =>
    Object.fromEntries((await readCoverage(db.pool, sid, day('2024-07-01'), day('2024-07-08'))).map((r) => [r.day, [r.state, r.bars]]));

  beforeAll(async () => {
    db = await createTestDatabase('covwrite');
    await initJob(db.pool, {
      jobId: JOB, workflowId: `backfill-${JOB}`, symbols: ['AAPL'], timeframes: ['1m'],
      canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }], startDate: '2024-07-01', endDate: '2024-07-08', adjusted: true, concurrency: 1,
    });
    sid = await seriesId(db.pool, { symbol: 'AAPL', timeframe: '1m', multiplier: 1, timespan: 'minute', adjusted: true });
    const claim = await claimUnit(db.pool, JOB, 0);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    token = claim.attemptToken;
    writePage = createPageWriter(db.pool);
  });
  afterAll(() => db?.drop());

  it('writes nothing for a fenced-out attempt', async () => {
    const w = await write([bar(minute('2024-07-01', '09:30'))], { fromDay: day('2024-07-01'), toDay: day('2024-07-01') }, null, [], token - 1);
    expect(w.committed).toBe(false);
    expect(await states()).toEqual({});
  });

  it('adds a resumed page to the date it continues, and marks sessions without bars no_bars, other dates closed', async () => {
    const p1 = [bar(minute('2024-07-01', '09:30')), bar(minute('2024-07-01', '09:31'))];
    await write(p1, { fromDay: day('2024-07-01'), toDay: day('2024-07-01') }, null);
    // The next page continues 07-01 after p1's last bar, and is the window's last: it covers to 07-07.
    const p2 = [bar(minute('2024-07-01', '15:59')), bar(minute('2024-07-01', '20:05')), bar(minute('2024-07-03', '10:00'))];
    await write(p2, { fromDay: day('2024-07-01'), toDay: day('2024-07-07') }, p1.at(-1)!.t, [{ ts: p2[2]!.t, rule: 'high_below_low', detail: 'high 1 < low 2' }]);
    expect(await states()).toEqual({
      19905: ['complete', 4], // 2024-07-01
      19906: ['no_bars', 0], // 07-02: a session without a bar
      19907: ['suspect', 1], // 07-03
      19908: ['closed', 0], // Independence Day
      19909: ['no_bars', 0],
      19910: ['closed', 0],
      19911: ['closed', 0],
    });
    const [first] = await readCoverage(db.pool, sid, day('2024-07-01'), day('2024-07-01'));
    expect(first).toMatchObject({ first: p1[0]!.t, last: p2[1]!.t, outside: 1, violations: 0, rules: [] });
    const [, , suspect] = await readCoverage(db.pool, sid, day('2024-07-01'), day('2024-07-03'));
    expect(suspect).toMatchObject({ violations: 1, rules: ['high_below_low'] });
  });

  it('replaces a date a fresh fetch covers again (not a continuation)', async () => {
    await write([bar(minute('2024-07-01', '11:00'))], { fromDay: day('2024-07-01'), toDay: day('2024-07-02') }, null);
    const s = await states();
    expect(s[19905]).toEqual(['complete', 1]);
    expect(s[19906]).toEqual(['no_bars', 0]);
  });

  it('reports every date of a range with summary and gaps; never-fetched sessions are not_fetched', async () => {
    const from = day('2024-06-28');
    const to = day('2024-07-10');
    const { days, summary } = buildCoverage(await readCoverage(db.pool, sid, from, to), from, to, cal);
    expect(days.map((d) => `${d.date.slice(5)} ${d.state}`)).toEqual([
      '06-28 not_fetched', '06-29 closed', '06-30 closed', '07-01 complete', '07-02 no_bars', '07-03 suspect', '07-04 closed',
      '07-05 no_bars', '07-06 closed', '07-07 closed', '07-08 not_fetched', '07-09 not_fetched', '07-10 not_fetched',
    ]);
    expect(summary).toMatchObject({ sessions: 8, complete: 1, no_bars: 2, not_fetched: 4, suspect: 1, closed: 5 });
    expect(summary.gaps).toEqual([
      { start: '2024-06-28', end: '2024-06-28', sessions: 1, state: 'not_fetched' },
      { start: '2024-07-02', end: '2024-07-02', sessions: 1, state: 'no_bars' },
      { start: '2024-07-05', end: '2024-07-05', sessions: 1, state: 'no_bars' },
      { start: '2024-07-08', end: '2024-07-10', sessions: 3, state: 'not_fetched' },
    ]);
  });

  it("lists stored series with their fetched ranges, a job's issues page by page, and its quality", async () => {
    const other = await seriesId(db.pool, { symbol: 'MSFT', timeframe: '1d', multiplier: 1, timespan: 'day', adjusted: true });
    const none = await listSeries(db.pool, { limit: 10 });
    expect(none.series.map((s) => s.symbol)).toEqual(['AAPL']);
    expect(none.series[0]).toMatchObject({ timeframe: '1m', adjusted: true, bars: 2, fetched: [{ start: '2024-07-01', end: '2024-07-07' }] });
    expect(other).toBeGreaterThan(0);

    await write([bar(minute('2024-07-03', '10:01')), bar(minute('2024-07-03', '10:02'))], null, minute('2024-07-03', '10:00'), [
      { ts: minute('2024-07-03', '10:01'), rule: 'volume_invalid', detail: 'v -1' },
      { ts: minute('2024-07-03', '10:02'), rule: 'high_below_low', detail: 'x' },
    ]);
    const p1 = await listJobIssues(db.pool, JOB, { limit: 2 });
    expect(p1.issues.map((i) => i.rule)).toEqual(['high_below_low', 'volume_invalid']);
    expect(p1.next).not.toBeNull();
    const p2 = await listJobIssues(db.pool, JOB, { limit: 2, after: p1.next! });
    expect(p2).toEqual({ issues: [{ symbol: 'AAPL', timeframe: '1m', ts: new Date(minute('2024-07-03', '10:02')).toISOString(), rule: 'high_below_low', detail: 'x' }], next: null });
    expect(await jobQuality(db.pool, JOB)).toEqual({ sessionsCovered: 4, gaps: 2, suspect: 1, violationsByRule: { high_below_low: 2, volume_invalid: 1 } });
  });
});
