import type { CalendarName, TradingCalendar } from '../calendar/calendar.js';
import type { CalendarSet } from '../calendar/set.js';
import { parseDateToDay } from '../polygon/time.js';
import { parseTimeframe } from '../polygon/timeframes.js';
import { planUnitFetch, type DayRun } from './runs.js';
import { chooseStrategy } from './strategy.js';
import { FETCH_STRATEGIES, GROUPED_TIMEFRAME, type FetchStrategy, type StrategyChoice, type ValidationMode } from '../../workflows/vocabulary.js';

/** What a backfill asks for, in the API's words; `limit` is POLYGON_PAGE_LIMIT, `rpm` POLYGON_RATE_LIMIT_RPM (0: unlimited). */
export interface PlanRequest {
  symbols: readonly string[];
  timeframes: readonly string[];
  start_date: string;
  end_date: string;
  limit: number;
  rpm: number;
  /** Default `auto`: grouped daily when it costs fewer requests (see chooseStrategy). */
  strategy?: StrategyChoice;
  /** `strict` rules grouped daily out. */
  validation?: ValidationMode;
}

/**
 * The ledger's final sessions of a unit's series (ascending disjoint date runs), or undefined when
 * it holds none; the API reads them from Postgres (src/db/coverage-held.ts). Absent: nothing held,
 * which is also what reprocess "all" plans with.
 */
export type HeldLookup = (symbol: string, timeframe: string) => readonly DayRun[] | undefined;

export const PLAN_STRATEGIES = FETCH_STRATEGIES;
export type PlanStrategy = FetchStrategy;

export interface UnitPlan {
  symbol: string;
  timeframe: string;
  calendar: CalendarName;
  strategy: PlanStrategy;
  /**
   * Polygon requests when every window fits in one page (the planner's promise). 0 for a grouped
   * unit: the job's grouped requests (Plan.grouped) serve all of its symbols at once.
   */
  requests: number;
  /** Sessions of the range on the symbol's calendar that the unit fetches. */
  sessions: number;
  /** Sessions the coverage ledger already holds as final for the series. */
  sessions_held: number;
  /** Held sessions the unit does not fetch (all of sessions_held, unless refetching was cheaper). */
  sessions_skipped: number;
  /** Requests the whole range would take, less `requests`. */
  requests_saved: number;
  /** Bars the calendar allows on the sessions fetched. */
  expected_bars: number;
  /** The floor: ceil(base bars fetched / limit), what no windowing can beat. */
  min_requests: number;
}

type Counts = Omit<UnitPlan, 'symbol' | 'timeframe' | 'calendar' | 'strategy'>;
const COUNT_KEYS = ['requests', 'sessions', 'sessions_held', 'sessions_skipped', 'requests_saved', 'expected_bars', 'min_requests'] as const satisfies readonly (keyof Counts)[];

export interface Plan {
  /** The job's strategy: `grouped` when its `1d` units are fetched by grouped daily. */
  strategy: PlanStrategy;
  /** The grouped requests: one per session day, for all `symbols`; null for a per-ticker job. */
  grouped: { timeframe: string; symbols: number; sessions: number; requests: number; sessions_skipped: number; requests_saved: number } | null;
  units: UnitPlan[];
  total: { units: number } & Counts;
  /** Seconds the requests take at the configured rate limit; null when it is unlimited. */
  duration_seconds: number | null;
  rate_limit_rpm: number;
}

/**
 * Plans a backfill without I/O: one unit per symbol x timeframe, each planned on its symbol's
 * calendar over the dates `held` leaves to fetch (planUnitFetch, the same function the unit
 * activity plans its windows with, so the dry run's count is the job's). Units sharing a calendar
 * and timeframe with nothing held share one computation (5,000 symbols cost one).
 */
export function planBackfill(req: PlanRequest, calendars: CalendarSet, held?: HeldLookup): Plan {
  const fromDay = parseDateToDay(req.start_date);
  const toDay = parseDateToDay(req.end_date);
  if (fromDay === null || toDay === null || fromDay > toDay) throw new RangeError(`planBackfill: bad range ${req.start_date}..${req.end_date}`);
  const memo = new Map<string, Omit<UnitPlan, 'symbol' | 'timeframe'>>();
  const units: UnitPlan[] = [];
  for (const symbol of req.symbols) {
    const cal = calendars.forTicker(symbol);
    for (const timeframe of req.timeframes) {
      const key = `${cal.name}|${timeframe}`;
      const heldRuns = held?.(symbol, timeframe);
      let p = heldRuns === undefined ? memo.get(key) : undefined;
      if (p === undefined) {
        const tf = parseTimeframe(timeframe);
        const f = planUnitFetch(cal, tf, fromDay, toDay, req.limit, heldRuns ?? null);
        p = {
          calendar: cal.name,
          strategy: 'per_ticker',
          requests: f.requests,
          sessions: f.sessions,
          sessions_held: f.sessionsHeld,
          sessions_skipped: f.sessionsSkipped,
          requests_saved: f.requestsAll - f.requests,
          expected_bars: f.expectedBars,
          min_requests: f.sessions === 0 && f.requests === 0 ? 0 : Math.max(1, Math.ceil(f.baseBars / req.limit)),
        };
        if (heldRuns === undefined) memo.set(key, p);
      }
      units.push({ symbol, timeframe, ...p });
    }
  }
  // Grouped daily fetches each session day once for all the 1d symbols; a day is skipped only when
  // the ledger holds it final for every one of them (a day is needed while any symbol lacks it), as
  // the job's initJob decides (src/db/grouped-days-held.ts). Auto picks grouped when those days are
  // fewer requests than the 1d units would make one symbol at a time, held days left out.
  const daily = units.filter((u) => u.timeframe === GROUPED_TIMEFRAME);
  const xnys = calendars.get('XNYS');
  const sessionsAll = xnys.sessionCount(req.start_date, req.end_date);
  const skipped = held && daily.length > 0 ? heldByAll(xnys, fromDay, toDay, daily.map((u) => held(u.symbol, u.timeframe))) : 0;
  const sessions = sessionsAll - skipped;
  const strategy = chooseStrategy(req.strategy ?? 'auto', req, calendars, { sessions, perTickerRequests: daily.reduce((a, u) => a + u.requests, 0) });
  if (strategy === 'grouped') {
    // Per unit, like the job's status: the shared days it gets (sessions) and skips; its requests
    // (and their saving) are the job's grouped ones, counted once in `grouped` and the total.
    for (const u of daily) Object.assign(u, { strategy: 'grouped', requests: 0, sessions, sessions_skipped: skipped, requests_saved: 0, expected_bars: sessions });
  }
  const grouped =
    strategy === 'grouped' ? { timeframe: GROUPED_TIMEFRAME, symbols: daily.length, sessions, requests: sessions, sessions_skipped: skipped, requests_saved: skipped } : null;
  const total = { units: units.length } as Plan['total'];
  for (const k of COUNT_KEYS) total[k] = units.reduce((a, u) => a + u[k], 0);
  total.requests += grouped?.requests ?? 0;
  total.requests_saved += grouped?.requests_saved ?? 0;
  const requests = total.requests;
  return {
    strategy,
    grouped,
    units,
    total,
    duration_seconds: req.rpm > 0 ? Math.ceil((requests / req.rpm) * 60) : null,
    rate_limit_rpm: req.rpm,
  };
}

/** Sessions of fromDay..toDay on `cal` inside the held runs of every one of `runs` (none when any series holds nothing). */
function heldByAll(cal: TradingCalendar, fromDay: number, toDay: number, runs: readonly (readonly DayRun[] | undefined)[]): number {
  if (runs.some((r) => r === undefined || r.length === 0)) return 0;
  let n = 0;
  for (let d = fromDay; d <= toDay; d++) {
    if (cal.session(d) === null) continue;
    if (runs.every((rs) => rs!.some((r) => r.fromDay <= d && d <= r.toDay))) n++;
  }
  return n;
}
