import { describe, expect, it } from 'vitest';
import { CalendarSet } from '../../src/calendar/index.js';
import { planBackfill, planUnitFetch, planWindows, planWindowsOver, type DayRun } from '../../src/planner/index.js';
import { settleAt, sessionSettles } from '../../src/coverage/settle.js';
import { parseDateToDay, parseTimeframe } from '../../src/polygon/index.js';

const calendars = new CalendarSet();
const xnys = calendars.get('XNYS');
const crypto = calendars.get('CRYPTO');
const day = (s: string): number => parseDateToDay(s)!;
const run = (from: string, to: string): DayRun => ({ fromDay: day(from), toDay: day(to) });
const m1 = parseTimeframe('1m');
const d1 = parseTimeframe('1d');

describe('planUnitFetch', () => {
  it('with nothing held (or reprocess all) plans the whole range, as planWindows does', () => {
    const whole = [...planWindows(xnys, m1, day('2023-01-01'), day('2023-12-31'), 50_000)].length;
    for (const held of [null, []]) {
      const p = planUnitFetch(xnys, m1, day('2023-01-01'), day('2023-12-31'), 50_000, held);
      expect(p).toMatchObject({ runs: [run('2023-01-01', '2023-12-31')], requests: whole, requestsAll: whole, sessions: 250, sessionsHeld: 0, sessionsSkipped: 0 });
    }
  });

  it('a fully held range fetches nothing: no runs, zero requests, every session skipped', () => {
    const p = planUnitFetch(xnys, d1, day('2024-01-02'), day('2024-03-28'), 50_000, [run('2024-01-02', '2024-03-28')]);
    expect(p).toMatchObject({ runs: [], requests: 0, requestsAll: 1, sessions: 0, sessionsHeld: 61, sessionsSkipped: 61, expectedBars: 0 });
  });

  it('fetches only the stretches outside held runs; closed days ride along inside a stretch, a closed-only stretch is dropped', () => {
    // Held: Tue 2 .. Fri 5 Jan and Mon 8 .. Fri 12 Jan 2024 (the weekend 6-7 between them is not held
    // but holds no session, so it is not fetched). Missing: Mon 1 (holiday) and 15 (MLK) .. 19.
    const held = [run('2024-01-02', '2024-01-05'), run('2024-01-08', '2024-01-12')];
    const p = planUnitFetch(xnys, d1, day('2024-01-01'), day('2024-01-19'), 50_000, held);
    expect(p.runs).toEqual([run('2024-01-13', '2024-01-19')]);
    expect(p).toMatchObject({ requests: 1, requestsAll: 1, sessions: 4, sessionsHeld: 9, sessionsSkipped: 9 });
    // Minute bars with a small limit: the held days save requests.
    const q = planUnitFetch(xnys, m1, day('2024-01-01'), day('2024-01-19'), 2_000, held);
    expect(q.requestsAll).toBe([...planWindows(xnys, m1, day('2024-01-01'), day('2024-01-19'), 2_000)].length);
    expect(q.requests).toBe(2);
    expect(q.requestsAll - q.requests).toBeGreaterThan(0);
  });

  it('never plans more requests than the whole range would take: then it fetches the whole range', () => {
    // 2 sessions of 960 minutes per 2,000-bar window: holding the middle day of a window splits
    // the range into runs that pack worse than the whole.
    const from = day('2024-01-08');
    const to = day('2024-01-12');
    const whole = [...planWindows(xnys, m1, from, to, 2_000)].length;
    const held = [run('2024-01-09', '2024-01-09'), run('2024-01-11', '2024-01-11')];
    const p = planUnitFetch(xnys, m1, from, to, 2_000, held);
    expect(p.requests).toBeLessThanOrEqual(whole);
    for (let seed = 0; seed < 200; seed++) {
      // Random held sets over a quarter: the plan is never dearer than the whole range, and its
      // windows never touch a held session unless it fell back to the whole range.
      const days: DayRun[] = [];
      let x = seed * 7919;
      for (let d = day('2024-01-01'); d <= day('2024-03-31'); d++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        if (x % 3 === 0) days.push({ fromDay: d, toDay: d });
      }
      const f = planUnitFetch(xnys, m1, day('2024-01-01'), day('2024-03-31'), 5_000, days);
      expect(f.requests).toBeLessThanOrEqual(f.requestsAll);
      expect(f.requests).toBe([...planWindowsOver(xnys, m1, f.runs, 5_000, null)].length);
      if (f.sessionsSkipped > 0) {
        const heldDays = new Set(days.map((r) => r.fromDay));
        for (const r of f.runs) for (let d = r.fromDay; d <= r.toDay; d++) expect(heldDays.has(d) && xnys.session(d) !== null).toBe(false);
      }
    }
  });

  it('planWindowsOver resumes inside the run holding the cursor and skips the runs before it', () => {
    const runs = [run('2024-01-02', '2024-01-05'), run('2024-01-16', '2024-01-19')];
    const all = [...planWindowsOver(xnys, d1, runs, 50_000, null)];
    expect(all).toEqual([{ from: '2024-01-02', to: '2024-01-05' }, { from: '2024-01-16', to: '2024-01-19' }]);
    // A cursor on the first run's last day resumes that day (the server snaps to the bar holding it).
    const lastBar = xnys.session(day('2024-01-05'))!.dayStart;
    expect([...planWindowsOver(xnys, d1, runs, 50_000, lastBar)]).toEqual([{ from: String(lastBar + 1), to: '2024-01-05' }, { from: '2024-01-16', to: '2024-01-19' }]);
    // A cursor past the first run's end skips it.
    const pastFirst = xnys.session(day('2024-01-05'))!.dayEnd - 1;
    expect([...planWindowsOver(xnys, d1, runs, 50_000, pastFirst)]).toEqual([{ from: '2024-01-16', to: '2024-01-19' }]);
  });

  it('planBackfill reports held, skipped and saved per unit and in total', () => {
    const req = { symbols: ['AAPL', 'MSFT'], timeframes: ['1d'], start_date: '2024-01-02', end_date: '2024-03-28', limit: 50_000, rpm: 0 };
    const plan = planBackfill(req, calendars, (s) => (s === 'AAPL' ? [run('2024-01-02', '2024-03-28')] : undefined));
    expect(plan.units.map((u) => [u.symbol, u.requests, u.sessions, u.sessions_held, u.sessions_skipped, u.requests_saved, u.min_requests])).toEqual([
      ['AAPL', 0, 0, 61, 61, 1, 0],
      ['MSFT', 1, 61, 0, 0, 0, 1],
    ]);
    expect(plan.total).toMatchObject({ units: 2, requests: 1, sessions: 61, sessions_held: 61, sessions_skipped: 61, requests_saved: 1 });
  });

  it('planBackfill grouped skips only the sessions every symbol holds, one request saved per day, counted once', () => {
    // 2024-01-02..01-12: 9 sessions. AAPL and MSFT hold 01-02..01-09 (a run spanning the weekend),
    // NVDA 01-02..01-05 and 01-09: held by all are 01-02..01-05 (4 sessions) and 01-09.
    const req = { symbols: ['AAPL', 'MSFT', 'NVDA'], timeframes: ['1d'], start_date: '2024-01-02', end_date: '2024-01-12', limit: 50_000, rpm: 0, strategy: 'grouped' as const };
    const held = (s: string) => (s === 'NVDA' ? [run('2024-01-02', '2024-01-05'), run('2024-01-09', '2024-01-09')] : [run('2024-01-02', '2024-01-09')]);
    const plan = planBackfill(req, calendars, held);
    expect(plan.grouped).toEqual({ timeframe: '1d', symbols: 3, sessions: 4, requests: 4, sessions_skipped: 5, requests_saved: 5 });
    expect(plan.units.map((u) => [u.symbol, u.strategy, u.requests, u.sessions, u.sessions_held, u.sessions_skipped, u.requests_saved])).toEqual([
      ['AAPL', 'grouped', 0, 4, 6, 5, 0],
      ['MSFT', 'grouped', 0, 4, 6, 5, 0],
      ['NVDA', 'grouped', 0, 4, 5, 5, 0],
    ]);
    expect(plan.total).toMatchObject({ requests: 4, sessions: 12, sessions_skipped: 15, requests_saved: 5 });
    // A symbol holding nothing (or reprocess "all": no lookup) leaves every day to fetch.
    expect(planBackfill({ ...req, symbols: [...req.symbols, 'AMZN'] }, calendars, (s) => (s === 'AMZN' ? undefined : held(s))).grouped).toMatchObject({ sessions: 9, sessions_skipped: 0 });
    expect(planBackfill(req, calendars).grouped).toMatchObject({ sessions: 9, requests: 9, sessions_skipped: 0, requests_saved: 0 });
    // Auto weighs the days left to fetch: 4 grouped requests against 3 per-ticker ones stays per ticker.
    expect(planBackfill({ ...req, strategy: 'auto' }, calendars, held).strategy).toBe('per_ticker');
  });
});

describe('settleAt: when a fetched session day is final', () => {
  const ny = (date: string, hhmm: string, offset: '-05:00' | '-04:00') => Date.parse(`${date}T${hhmm}:00${offset}`);

  it('default: 11:00 New York on the next calendar date, DST-correct', () => {
    expect(settleAt(xnys, day('2024-01-05'), null)).toBe(ny('2024-01-06', '11:00', '-05:00'));
    // Friday 8 March 2024: the next day is a Saturday in EST; Saturday 9 March for crypto -> Sunday 10 (DST starts at 02:00).
    expect(settleAt(xnys, day('2024-03-08'), null)).toBe(ny('2024-03-09', '11:00', '-05:00'));
    expect(settleAt(crypto, day('2024-03-09'), null)).toBe(ny('2024-03-10', '11:00', '-04:00'));
    // Back to EST on Sunday 3 November 2024.
    expect(settleAt(crypto, day('2024-11-02'), null)).toBe(ny('2024-11-03', '11:00', '-05:00'));
  });

  it('COVERAGE_SETTLE_MINUTES=N: the extended close plus N minutes (early closes and crypto midnights too)', () => {
    expect(settleAt(xnys, day('2024-01-05'), 0)).toBe(ny('2024-01-05', '20:00', '-05:00'));
    expect(settleAt(xnys, day('2024-07-01'), 90)).toBe(ny('2024-07-01', '21:30', '-04:00'));
    // 29 November 2024 closes early: after-hours end at 17:00.
    expect(settleAt(xnys, day('2024-11-29'), 60)).toBe(ny('2024-11-29', '18:00', '-05:00'));
    expect(settleAt(crypto, day('2024-01-05'), 30)).toBe(ny('2024-01-06', '00:30', '-05:00'));
  });

  it('a closed day has no settle time, and sessionSettles lists the sessions only', () => {
    expect(settleAt(xnys, day('2024-01-06'), null)).toBeNull();
    const s = sessionSettles(xnys, day('2024-01-05'), day('2024-01-08'), null);
    expect(s.days).toEqual([day('2024-01-05'), day('2024-01-08')]);
    expect(s.settleMs).toEqual([ny('2024-01-06', '11:00', '-05:00'), ny('2024-01-09', '11:00', '-05:00')]);
  });
});
