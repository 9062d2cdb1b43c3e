// Scenario 6: Polygon misbehaving. One stack, one fault at a time, each on its own job (own
// symbols): 429 storms with and without Retry-After, a 5xx burst, responses slower than the
// request timeout, malformed and truncated bodies, connection resets, NOT_AUTHORIZED for a ticker
// and for the start of a range, an unknown ticker, then all the random faults at once. Each job
// must end retried-and-completed with exact bars, or failed with the right reason, never with a
// gap marked completed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobExpectation } from './harness/checker.js';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { sleep, Stack, waitForJobEnd } from './harness/stack.js';

const RANGE = { start_date: '2024-03-04', end_date: '2024-03-06' };
const TIMEFRAMES = ['5m', '1d'];
const CLEAR = { errorRate: 0, slowRate: 0, malformedRate: 0, truncatedRate: 0, resetRate: 0, notAuthorizedBefore: undefined, notAuthorizedTickers: [], unknownTickers: [] };

describe('scenario 6: Polygon misbehaving', () => {
  let s: Scenario;
  let short: Stack | undefined;
  const all: JobExpectation[] = [];
  beforeAll(async () => {
    s = await setupScenario('06-polygon-faults', {
      proxy: true,
      sim: { latencyMs: 5, maxResultsPerPage: 60 },
      // Whole-range windows (next_url pages of 60 bars): about 10 requests per 5m unit. A unit's
      // retry budget (1 s backoff doubling to 60 s) must outlast an unlucky run of faults.
      env: { POLYGON_PAGE_LIMIT: '50000', POLYGON_REQUEST_TIMEOUT_MS: '1500', UNIT_DEADLINE_SECONDS: '300' },
    });
    await s.stack.startWorker('worker');
    await s.stack.startApi();
  });
  afterAll(async () => {
    await short?.stopAll();
    await s?.teardown();
  });

  /** Runs one job under a fault, then checks it alone. */
  async function run(label: string, symbols: string[], expectation: Omit<JobExpectation, 'jobId'>, during?: () => Promise<void>, on: Stack = s.stack) {
    const { report, db, sim } = s;
    const stack = on;
    sim.resetStats();
    const before = s.proxy!.stats();
    const { jobId } = await stack.startJob({ symbols, timeframes: TIMEFRAMES, ...RANGE, concurrency: 4 });
    await during?.();
    const status = await waitForJobEnd(db.pool, jobId, 200_000, report, stack);
    sim.setOptions({ faults: CLEAR });
    s.proxy!.storm(null);
    const st = sim.stats();
    const px = s.proxy!.stats();
    report.note(`${label}: simulator answered ${st.requests} requests ${JSON.stringify(st.byStatus)} (0 = reset); proxy injected ${px.injected429 - before.injected429} 429s`);
    const exp = { jobId, ...expectation };
    all.push(exp);
    await s.check([exp], { exclusive: false });
    return { status, st, px: { injected429: px.injected429 - before.injected429, withRetryAfter: px.withRetryAfter - before.withRetryAfter } };
  }

  it('429 storm with Retry-After: retried and completed', async () => {
    s.proxy!.storm({ rate: 0.85, retryAfterSeconds: 1 });
    s.report.inject('429 storm: 85% of requests answered 429 with Retry-After: 1 for the first 4 s of the job');
    const r = await run('429+Retry-After', ['AAPL', 'MSFT'], { status: 'completed' }, async () => {
      await sleep(4_000);
      s.proxy!.storm(null);
    });
    expect(r.px.injected429).toBeGreaterThan(0);
  });

  it('429 storm without Retry-After: backed off, retried and completed', async () => {
    s.proxy!.storm({ rate: 0.85, retryAfterSeconds: null });
    s.report.inject('429 storm: 85% of requests answered 429 without Retry-After for the first 4 s of the job');
    const r = await run('429 no Retry-After', ['NVDA', 'AMZN'], { status: 'completed' }, async () => {
      await sleep(4_000);
      s.proxy!.storm(null);
    });
    expect(r.px.injected429).toBeGreaterThan(0);
  });

  it('5xx burst: retried and completed', async () => {
    s.sim.setOptions({ faults: { errorRate: 1, seed: s.seed } });
    s.report.inject('5xx burst: every request answered 500/502/503/504 for the first 3 s of the job');
    const r = await run('5xx burst', ['GOOGL', 'META'], { status: 'completed' }, async () => {
      await sleep(3_000);
      s.sim.setOptions({ faults: { errorRate: 0 } });
    });
    const fivexx = [500, 502, 503, 504].reduce((a, c) => a + (r.st.byStatus[c] ?? 0), 0);
    s.report.verify(fivexx > 0, `the burst produced ${fivexx} 5xx answers`);
    expect(fivexx).toBeGreaterThan(0);
  });

  it('responses slower than POLYGON_REQUEST_TIMEOUT_MS: timed out, retried and completed', async () => {
    s.sim.setOptions({ faults: { slowRate: 0.12, slowMs: 4_000, seed: s.seed + 1 } });
    s.report.inject('slow responses: 12% of requests delayed 4000 ms, past the worker\'s 1500 ms request timeout');
    await run('slow', ['TSLA', 'AMD'], { status: 'completed' });
  });

  it('malformed and truncated bodies: retried and completed, or failed as bad_payload', async () => {
    s.sim.setOptions({ faults: { malformedRate: 0.06, truncatedRate: 0.06, seed: s.seed + 2 } });
    s.report.inject('6% malformed bodies (HTML, a bar with h < l, a non-numeric price) and 6% truncated JSON');
    await run('malformed/truncated', ['KO', 'PEP'], {
      status: ['completed', 'completed_with_errors', 'failed'],
      defaultUnit: { status: ['completed', 'failed'], errorCodes: ['bad_payload'] },
    });
  });

  it('connection resets: retried and completed', async () => {
    s.sim.setOptions({ faults: { resetRate: 0.12, seed: s.seed + 3 } });
    s.report.inject('12% of connections reset (before the answer or mid-body)');
    const r = await run('resets', ['INTC', 'CSCO'], { status: 'completed' });
    expect(r.st.byStatus[0] ?? 0).toBeGreaterThan(0);
  });

  it('NOT_AUTHORIZED for one ticker and an unknown ticker: those units fail with their reason, the rest completes', async () => {
    s.sim.setOptions({ faults: { notAuthorizedTickers: ['NOPE'], unknownTickers: ['ZZZZ'] } });
    s.report.inject('NOT_AUTHORIZED (403) for ticker NOPE; ZZZZ unknown (no results, 404 on the reference endpoint)');
    const r = await run('entitlement by ticker', ['ORCL', 'NOPE', 'ZZZZ'], {
      status: 'completed_with_errors',
      units: {
        'NOPE/5m': { status: 'failed', errorCodes: ['not_entitled'] },
        'NOPE/1d': { status: 'failed', errorCodes: ['not_entitled'] },
        'ZZZZ/5m': { status: 'failed', errorCodes: ['unknown_ticker'] },
        'ZZZZ/1d': { status: 'failed', errorCodes: ['unknown_ticker'] },
      },
    });
    expect(r.status).toBe('completed_with_errors');
  });

  it('NOT_AUTHORIZED for the start of the range: units fail as not_entitled, none marked completed', async () => {
    s.sim.setOptions({ faults: { notAuthorizedBefore: '2024-03-05' } });
    s.report.inject('NOT_AUTHORIZED (403) for every request starting before 2024-03-05 (the job asks from 2024-03-04)');
    const r = await run('entitlement by date', ['IBM'], {
      status: 'failed',
      defaultUnit: { status: 'failed', errorCodes: ['not_entitled'] },
    });
    expect(r.status).toBe('failed');
  });

  it('every random fault at once: each unit completed exactly or failed with a transient reason', async () => {
    s.sim.setOptions({ faults: { errorRate: 0.02, slowRate: 0.02, slowMs: 3_000, malformedRate: 0.02, truncatedRate: 0.02, resetRate: 0.02, seed: s.seed + 4 } });
    s.proxy!.storm({ rate: 0.02, retryAfterSeconds: 1 });
    s.report.inject('mixed: 2% each of 5xx, slow (3000 ms > 1500 ms timeout), malformed, truncated, reset, and 429 with Retry-After: 1');
    await run('mixed', ['QCOM', 'TXN', 'AVGO'], {
      status: ['completed', 'completed_with_errors', 'failed'],
      defaultUnit: { status: ['completed', 'failed'], errorCodes: ['bad_payload', 'upstream_error', 'rate_limited', 'deadline_exceeded'] },
    });
  });

  it('5xx that never stops: units fail with the right reason when their retry budget runs out', async () => {
    // A second worker + API on another task queue whose units have a 6 s budget (UNIT_DEADLINE_SECONDS).
    short = new Stack({ ...s.stack.opts, taskQueue: `${s.taskQueue}-short`, env: { ...s.stack.opts.env, UNIT_DEADLINE_SECONDS: '6' } });
    await short.startWorker('worker-short-deadline');
    await short.startApi();
    s.sim.setOptions({ faults: { errorRate: 1, seed: s.seed + 5 } });
    s.report.inject('every request answered 5xx for the whole job; units have a 6 s retry budget (UNIT_DEADLINE_SECONDS=6)');
    const r = await run('5xx forever', ['ADBE'], {
      status: 'failed',
      defaultUnit: { status: 'failed', errorCodes: ['upstream_error', 'deadline_exceeded'] },
    }, undefined, short);
    expect(r.status).toBe('failed');
  });

  it('429 that never stops: units fail as rate limited (or past their deadline), not completed', async () => {
    s.proxy!.storm({ rate: 1, retryAfterSeconds: 1 });
    s.report.inject('every request answered 429 with Retry-After: 1 for the whole job; units have a 6 s retry budget');
    const r = await run('429 forever', ['CRM'], {
      status: 'failed',
      defaultUnit: { status: 'failed', errorCodes: ['rate_limited', 'deadline_exceeded'] },
    }, undefined, short);
    expect(r.status).toBe('failed');
    expect(r.px.injected429).toBeGreaterThan(0);
  });

  it('the whole database is exact over every job of the scenario', async () => {
    await s.check(all);
    const crashes = [...s.stack.unexpectedExits(), ...(short?.unexpectedExits() ?? [])];
    s.report.verify(crashes.length === 0, `no product process exited on its own (${crashes.length})`);
    expect(crashes).toEqual([]);
  });
});
