// The workflow's bookkeeping as plain code: unit numbering, retry selection and validation, and
// counters that stay true through failures, requeues and continue-as-new.
import { describe, expect, it } from 'vitest';
import { JobState } from '../../workflows/state.js';
import { inputProblems, selectFailed, unitActivityId, unitRef, validateRetryRequest } from '../../workflows/units.js';
import type { BackfillInput } from '../../workflows/messages.js';

const input: BackfillInput = {
  jobId: '00000000-0000-4000-8000-000000000042',
  symbols: ['AAPL', 'MSFT', 'X:BTCUSD'],
  timeframes: ['1m', '1d'],
  startDate: '2024-01-02',
  endDate: '2024-01-05',
  adjusted: true,
  concurrency: 2,
  retryWindowSeconds: 60,
};

describe('units', () => {
  it('numbers units symbol-major and names their activities', () => {
    expect([0, 1, 2, 5].map((n) => unitRef(input, n))).toEqual([
      { unitNo: 0, symbol: 'AAPL', timeframe: '1m' },
      { unitNo: 1, symbol: 'AAPL', timeframe: '1d' },
      { unitNo: 2, symbol: 'MSFT', timeframe: '1m' },
      { unitNo: 5, symbol: 'X:BTCUSD', timeframe: '1d' },
    ]);
    expect(unitActivityId(unitRef(input, 4), 0)).toBe('unit-4-X:BTCUSD-1m');
    expect(unitActivityId(unitRef(input, 4), 2)).toBe('unit-4-X:BTCUSD-1m-retry-2');
  });

  it('selects failed units by symbol and timeframe and rejects names the job lacks', () => {
    expect(selectFailed(input, [0, 1, 3, 5], {})).toEqual([0, 1, 3, 5]);
    expect(selectFailed(input, [0, 1, 3, 5], { symbols: ['AAPL'] })).toEqual([0, 1]);
    expect(selectFailed(input, [0, 1, 3, 5], { timeframes: ['1d'], symbols: ['MSFT', 'X:BTCUSD'] })).toEqual([3, 5]);
    expect(() => validateRetryRequest(input, { symbols: ['TSLA'] })).toThrow(/TSLA/);
    expect(() => validateRetryRequest(input, { timeframes: ['5m'] })).toThrow(/5m/);
    expect(() => validateRetryRequest(input, { symbols: 'AAPL' as unknown as string[] })).toThrow(/array/);
    expect(() => validateRetryRequest(input, undefined)).not.toThrow();
  });

  it('finds what no retry could fix in an input', () => {
    expect(inputProblems(input)).toEqual([]);
    expect(inputProblems({ ...input, symbols: [], jobId: 'x', startDate: '2024-02-01', concurrency: 0 })).toEqual([
      'symbols must be a non-empty array of strings',
      'jobId must be a UUID',
      'startDate must not be after endDate',
      'concurrency must be a positive integer',
    ]);
    expect(inputProblems({ ...input, timeframes: ['1m', '1m'] })).toEqual(['timeframes must not repeat']);
  });
});

describe('JobState', () => {
  it('counts finished units from their stored totals, un-counts requeued ones, and carries itself', () => {
    const s = new JobState(input, '2024-01-01T00:00:00.000Z');
    const started = [s.takeNext(), s.takeNext()];
    expect(started.map((x) => x.ref.unitNo)).toEqual([0, 1]);
    expect(s.canStart(2)).toBe(false);
    s.unitCompleted(0, { barsFetched: 100, barsInserted: 90 });
    s.unitFailed(1, 'not_entitled', 'no plan', '2024-01-01T00:00:01.000Z', { barsFetched: 10, barsInserted: 10 });
    expect(s.counts()).toEqual({ pending: 4, running: 0, completed: 1, failed: 1, cancelled: 0 });
    expect([s.barsFetched, s.barsInserted]).toEqual([110, 100]);

    s.beginRequeue([1]);
    expect(s.failed.size).toBe(0);
    expect(s.counts().failed).toBe(1);
    expect(s.drained()).toBe(false);
    s.endRequeue([1], [1], { barsFetched: 10, barsInserted: 10 });
    expect([s.barsFetched, s.barsInserted]).toEqual([100, 90]);
    expect(s.recentFailures).toEqual([]);
    // Retries go first, with a distinct activity id.
    expect(s.takeNext()).toEqual({ ref: { unitNo: 1, symbol: 'AAPL', timeframe: '1d' }, retry: 1 });
    s.unitCompleted(1, { barsFetched: 15, barsInserted: 5 });

    const next = new JobState({ ...input, carry: s.carry() }, '2024-01-02T00:00:00.000Z');
    expect(next.run).toBe(2);
    expect(next.counts()).toEqual(s.counts());
    expect(next.progress().barsFetched).toBe(115);
    expect(next.startedAt).toBe('2024-01-01T00:00:00.000Z');
    expect(next.takeNext().ref.unitNo).toBe(2);
  });

  it('names the outcome from the failures', () => {
    const s = new JobState({ ...input, symbols: ['A'], timeframes: ['1d'] }, 'now');
    expect(s.outcome()).toBe('completed');
    s.takeNext();
    s.unitFailed(0, 'bad_key', 'x', 'now', { barsFetched: 0, barsInserted: 0 });
    expect(s.outcome()).toBe('failed');
  });
});

describe('JobState: one status, one way back from Postgres', () => {
  it('derives `paused` from the status it holds, and starts nothing while paused', () => {
    const s = new JobState(input, 'now');
    expect(s.status).toBe('pending');
    s.status = 'running';
    expect([s.paused, s.canStart(2)]).toEqual([false, true]);
    s.status = 'paused';
    expect([s.paused, s.canStart(2), s.progress().paused, s.progress().status]).toEqual([true, false, true, 'paused']);
    const next = new JobState({ ...input, carry: s.carry() }, 'later');
    expect([next.status, next.paused, next.canStart(2)]).toEqual(['paused', true, false]);
  });

  it('keeps holding the units of a run recorded with a pause overwritten by `running` (pre-patch histories)', () => {
    const s = new JobState(input, 'now');
    s.status = 'running';
    s.legacyHold = true;
    expect(s.canStart(2)).toBe(false);
    // Carried the way the old code carried it: paused, status running.
    expect(s.carry()).toMatchObject({ paused: true, status: 'running' });
    const next = new JobState({ ...input, carry: s.carry() }, 'later');
    expect([next.status, next.legacyHold, next.canStart(2)]).toEqual(['running', true, false]);
    const plain = new JobState({ ...input, carry: { ...s.carry(), paused: false } }, 'later');
    expect([plain.legacyHold, plain.canStart(2)]).toEqual([false, true]);
  });

  it('rebuilds a retried job from loadRetryState in one call: requeued units first, fresh units none', () => {
    const s = new JobState(input, '2024-01-03T00:00:00.000Z');
    s.reopen({
      settings: { unitDeadlineSeconds: 60, heartbeatTimeoutSeconds: 5 },
      requeued: [1, 4],
      failed: [5],
      completed: 3,
      cancelled: 0,
      barsFetched: 300,
      barsInserted: 250,
      barsUpdated: 0,
      startedAt: '2024-01-01T00:00:00.000Z',
      recentFailures: [{ unitNo: 5, symbol: 'X:BTCUSD', timeframe: '1d', code: 'not_entitled', message: 'no plan', at: '2024-01-02T00:00:00.000Z' }],
    });
    expect(s.counts()).toEqual({ pending: 2, running: 0, completed: 3, failed: 1, cancelled: 0 });
    expect(s.settings).toEqual({ unitDeadlineSeconds: 60, heartbeatTimeoutSeconds: 5 });
    expect(s.progress()).toMatchObject({ barsFetched: 300, barsInserted: 250, startedAt: '2024-01-01T00:00:00.000Z' });
    expect(s.recentFailures.map((f) => [f.unitNo, f.code])).toEqual([[5, 'not_entitled']]);
    expect([s.takeNext().ref.unitNo, s.takeNext().ref.unitNo]).toEqual([1, 4]);
    expect(s.hasQueued()).toBe(false);
    s.unitCompleted(1, { barsFetched: 10, barsInserted: 10 });
    s.unitCompleted(4, { barsFetched: 10, barsInserted: 10 });
    expect([s.drained(), s.outcome()]).toEqual([true, 'completed_with_errors']);
  });
});

describe('JobState: a job-wide failure', () => {
  it('starts nothing after it, fails the open units at once, names the job failed, and clears on a retry', () => {
    const s = new JobState(input, 'now');
    s.status = 'running';
    s.takeNext();
    s.fatal = { code: 'bad_key', message: 'Unknown API Key' };
    s.unitFailed(0, 'bad_key', 'Unknown API Key', 'now', { barsFetched: 0, barsInserted: 0 });
    expect([s.canStart(2), s.hasQueued(), s.drained()]).toEqual([false, true, false]);
    s.failedOpen([1, 2, 3, 4, 5]);
    expect([s.hasQueued(), s.drained(), s.outcome()]).toEqual([false, true, 'failed']);
    expect(s.counts()).toEqual({ pending: 0, running: 0, completed: 0, failed: 6, cancelled: 0 });
    s.beginRequeue([0, 1, 2, 3, 4, 5]);
    expect(s.fatal).toBeNull();
    s.endRequeue([0, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5], { barsFetched: 0, barsInserted: 0 });
    expect([s.canStart(2), s.takeNext().ref.unitNo]).toEqual([true, 0]);
  });
});
