// Scenario 7: two jobs over overlapping symbols and dates run at the same time (two workers, so
// the same series are written concurrently by different processes). Both must complete, no bar may
// be duplicated, and the two jobs' counts of new rows must add up exactly to the rows stored.
import { describe, expect, it } from 'vitest';
import { useScenario } from './harness/use-scenario.js';
import { waitForJobEnd } from './harness/stack.js';

describe('scenario 7: two overlapping jobs at once', () => {
  const s = useScenario('07-overlapping-jobs', {
    sim: { latencyMs: 10, maxResultsPerPage: 50 },
    env: { POLYGON_PAGE_LIMIT: '400' },
  });

  it('both complete; no duplicate; new-row counts sum to the rows stored', async () => {
    const { stack, report, db, rng } = s;
    await stack.startWorker('worker-a');
    await stack.startWorker('worker-b');
    await stack.startApi();
    // Shared: MSFT and NVDA on 03-05..03-06 in 1m and 5m; each job also has its own part. Both
    // fetch their whole ranges (`all`): the scenario is two writers on the same series, and with
    // `missing` a unit starting after the other job's stored the overlap would rightly skip it.
    const a = { symbols: ['AAPL', 'MSFT', 'NVDA'], timeframes: ['1m', '5m'], start_date: '2024-03-04', end_date: '2024-03-06', concurrency: 4, reprocess: 'all' };
    const b = { symbols: rng.shuffle(['NVDA', 'MSFT', 'AMZN']), timeframes: ['5m', '1m'], start_date: '2024-03-05', end_date: '2024-03-07', concurrency: 4, reprocess: 'all' };
    report.inject(`two jobs posted at the same instant, overlapping on MSFT and NVDA x 1m/5m over 2024-03-05..2024-03-06`);
    const [ja, jb] = await Promise.all([stack.startJob(a), stack.startJob(b)]);
    const [sa, sb] = await Promise.all([waitForJobEnd(db.pool, ja.jobId, 150_000, report, stack), waitForJobEnd(db.pool, jb.jobId, 150_000, report, stack)]);
    expect([sa, sb]).toEqual(['completed', 'completed']);
    const sum = await s.check([
      { jobId: ja.jobId, status: 'completed' },
      { jobId: jb.jobId, status: 'completed' },
    ]);
    const [ra, rb] = sum.jobs;
    report.verify(ra!.inserted + rb!.inserted === sum.rowsStored, `new rows ${ra!.inserted} + ${rb!.inserted} = ${ra!.inserted + rb!.inserted} = rows stored ${sum.rowsStored}`);
    report.verify(ra!.fetched + rb!.fetched > sum.rowsStored, `the overlap was really fetched twice (fetched ${ra!.fetched} + ${rb!.fetched} > stored ${sum.rowsStored})`);
    expect(ra!.inserted + rb!.inserted).toBe(sum.rowsStored);
    expect(ra!.fetched + rb!.fetched).toBeGreaterThan(sum.rowsStored);
    expect(stack.unexpectedExits()).toEqual([]);
  });
});
