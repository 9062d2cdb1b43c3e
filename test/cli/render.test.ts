/* eslint-disable no-control-regex -- these tests check the ANSI escapes the CLI writes */
import { describe, expect, it } from 'vitest';
import { bar, duration, stripAnsi, table, visibleLength } from '../../src/cli/format.js';
import { renderPlainLine, renderProgressLine, renderStatus, renderSummary } from '../../src/cli/render.js';
import { exitCodeForStatus, isSettled } from '../../src/cli/watch.js';
import type { StatusResponse } from '../../src/cli/types.js';

const status = (over: Partial<StatusResponse> = {}): StatusResponse => ({
  job_id: '7cdf8949-5345-4156-8daf-52628b1af7da',
  status: 'running',
  paused: false,
  live: true,
  progress_pct: 37.5,
  current_symbol: 'MSFT',
  current_timeframe: '1h',
  total_records_fetched: 123_456,
  total_records_inserted: 120_001,
  units: { total: 16, pending: 9, running: 1, completed: 5, failed: 1, cancelled: 0 },
  failures: [{ symbol: 'LOCKD', timeframe: '1d', code: 'not_entitled', message: "Your plan doesn't include this data timeframe." }],
  rate: { bars_per_second: 4321.5, units_per_minute: 12.25 },
  eta_seconds: 95,
  created_at: '2024-05-01T10:00:00Z',
  started_at: '2024-05-01T10:00:01Z',
  completed_at: null,
  temporal_ui_url: 'http://localhost:8233/namespaces/default/workflows/backfill-x',
  ...over,
});

describe('CLI formatting', () => {
  it('draws bars in eighths, or ASCII', () => {
    expect(bar(0, 4)).toBe('░░░░');
    expect(bar(1, 4)).toBe('████');
    expect(bar(0.5, 4)).toBe('██░░');
    expect(bar(0.53, 4)).toBe('██▏░');
    expect(bar(2, 4)).toBe('████');
    expect(bar(0.5, 4, false)).toBe('[##..]');
  });

  it('writes durations a person reads at a glance', () => {
    expect(duration(4)).toBe('4s');
    expect(duration(75)).toBe('1m15s');
    expect(duration(3725)).toBe('1h02m');
    expect(duration(200_000)).toBe('2d07h');
    expect(duration(null)).toBe('—');
    expect(duration(-1)).toBe('—');
  });

  it('aligns table columns, numbers to the right', () => {
    expect(table(['A', 'N'], [['x', '1'], ['long', '1,000']], ['l', 'r'])).toBe('A         N\nx         1\nlong  1,000');
  });
});

describe('CLI views', () => {
  it('fits the live progress line to the terminal, with rate and time left', () => {
    for (const columns of [200, 120, 80, 40]) {
      const line = renderProgressLine(status(), { enabled: true }, columns);
      expect(visibleLength(line)).toBeLessThanOrEqual(columns);
    }
    const wide = stripAnsi(renderProgressLine(status(), { enabled: true }, 200));
    expect(wide).toContain('37.5%');
    expect(wide).toContain('4,322 bars/s');
    expect(wide).toContain('12.3 units/min');
    expect(wide).toContain('left 1m35s');
    expect(wide).toContain('(1 failed)');
    expect(wide).toContain('MSFT 1h');
  });

  it('prints a plain line for logs', () => {
    const line = renderPlainLine(status(), Date.parse('2024-05-01T10:00:30Z'));
    expect(line).toBe(
      '[10:00:30]  running  37.5%  units 5/16 completed, 1 failed, 1 running  bars 123,456 fetched, 120,001 new  4,322 bars/s  12.3 units/min  left 1m35s  at MSFT 1h',
    );
  });

  it('shows status with failures and the retry window, without colour when asked', () => {
    const s = renderStatus(
      status({ status: 'completed_with_errors', retry_deadline: '2024-05-01T10:15:00Z', date_range: { start_date: '2024-01-02', end_date: '2024-03-28' }, timeframes: ['1d', '1h'], symbols_total: 8 }),
      { enabled: false },
      Date.parse('2024-05-01T10:01:00Z'),
    );
    expect(s).not.toMatch(/\x1b/);
    expect(s).toContain('completed_with_errors');
    expect(s).toContain('8 symbols · 1d,1h · 2024-01-02 → 2024-03-28');
    expect(s).toContain('LOCKD 1d  not_entitled');
    expect(s).toMatch(/retry\s+open until .*backfill retry 7cdf8949/);
  });

  it('ends a watch with a summary that says what to do next', () => {
    const s = renderSummary(
      status({ status: 'completed_with_errors', completed_at: '2024-05-01T10:00:41Z', units: { total: 16, pending: 0, running: 0, completed: 15, failed: 1, cancelled: 0 } }),
      { enabled: false },
      Date.now(),
    );
    expect(s).toContain('completed_with_errors in 40s');
    expect(s).toContain('15/16 completed · 1 failed');
    expect(s).toContain('3,086 bars/s average');
    expect(s).toContain('backfill retry 7cdf8949-5345-4156-8daf-52628b1af7da');
  });

  it('says what reprocess "missing" skipped, and nothing when it skipped nothing', () => {
    const skipped = status({ status: 'completed', sessions_skipped: 122, requests_saved: 3, completed_at: '2024-05-01T10:00:41Z' });
    for (const s of [renderStatus(skipped, { enabled: false }, Date.now()), renderSummary(skipped, { enabled: false }, Date.now())]) {
      expect(s).toMatch(/skipped\s+122 sessions already stored · 3 Polygon requests saved/);
    }
    expect(renderStatus(status({ sessions_skipped: 0, requests_saved: 0 }), { enabled: false }, Date.now())).not.toContain('skipped');
  });

  it('maps final statuses to exit codes and tells a retried job from a finished one', () => {
    expect(exitCodeForStatus('completed')).toBe(0);
    expect(exitCodeForStatus('completed_with_errors')).toBe(2);
    expect(exitCodeForStatus('failed')).toBe(2);
    expect(exitCodeForStatus('cancelled')).toBe(3);
    expect(isSettled(status())).toBe(false);
    expect(isSettled(status({ status: 'completed_with_errors', units: { total: 2, pending: 1, running: 0, completed: 1, failed: 0, cancelled: 0 } }))).toBe(false);
    expect(isSettled(status({ status: 'completed_with_errors', units: { total: 2, pending: 0, running: 0, completed: 1, failed: 1, cancelled: 0 } }))).toBe(true);
    expect(isSettled(status({ status: 'failed', units: { total: 2, pending: 2, running: 0, completed: 0, failed: 0, cancelled: 0 } }))).toBe(true);
  });
});
