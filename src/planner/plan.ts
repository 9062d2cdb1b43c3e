import type { CalendarName } from '../calendar/calendar.js';
import type { CalendarSet } from '../calendar/set.js';
import { parseDateToDay } from '../polygon/time.js';
import { parseTimeframe } from '../polygon/timeframes.js';
import { expectedBars } from './bars.js';
import { planWindows, sessionBaseBars } from './windows.js';

/** What a backfill asks for, in the API's words; `limit` is POLYGON_PAGE_LIMIT, `rpm` POLYGON_RATE_LIMIT_RPM (0: unlimited). */
export interface PlanRequest {
  symbols: readonly string[];
  timeframes: readonly string[];
  start_date: string;
  end_date: string;
  limit: number;
  rpm: number;
}

/** Only per-ticker aggregates today; grouped daily is the next strategy. */
export const PLAN_STRATEGIES = ['per_ticker'] as const;
export type PlanStrategy = (typeof PLAN_STRATEGIES)[number];

export interface UnitPlan {
  symbol: string;
  timeframe: string;
  calendar: CalendarName;
  strategy: PlanStrategy;
  /** Polygon requests when every window fits in one page (the planner's promise). */
  requests: number;
  /** Sessions of the range on the symbol's calendar. */
  sessions: number;
  expected_bars: number;
  /** The floor: ceil(base bars / limit), what no windowing can beat. */
  min_requests: number;
}

export interface Plan {
  units: UnitPlan[];
  total: { units: number; requests: number; sessions: number; expected_bars: number; min_requests: number };
  /** Seconds the requests take at the configured rate limit; null when it is unlimited. */
  duration_seconds: number | null;
  rate_limit_rpm: number;
}

/**
 * Plans a backfill without I/O: one unit per symbol x timeframe, each planned on its symbol's
 * calendar. Units sharing a calendar and timeframe share one computation (5,000 symbols cost one).
 */
export function planBackfill(req: PlanRequest, calendars: CalendarSet): Plan {
  const fromDay = parseDateToDay(req.start_date);
  const toDay = parseDateToDay(req.end_date);
  if (fromDay === null || toDay === null || fromDay > toDay) throw new RangeError(`planBackfill: bad range ${req.start_date}..${req.end_date}`);
  const memo = new Map<string, Omit<UnitPlan, 'symbol' | 'timeframe'>>();
  const units: UnitPlan[] = [];
  for (const symbol of req.symbols) {
    const cal = calendars.forTicker(symbol);
    for (const timeframe of req.timeframes) {
      const key = `${cal.name}|${timeframe}`;
      let p = memo.get(key);
      if (p === undefined) {
        const tf = parseTimeframe(timeframe);
        let sessions = 0;
        let baseBars = 0;
        for (let d = fromDay; d <= toDay; d++) {
          const s = cal.session(d);
          if (s === null) continue;
          sessions++;
          baseBars += sessionBaseBars(cal, tf, d) ?? s.extendedMinutes * 60;
        }
        const requests = [...planWindows(cal, tf, fromDay, toDay, req.limit)].length;
        const minRequests = Math.max(1, Math.ceil(baseBars / req.limit));
        p = { calendar: cal.name, strategy: 'per_ticker', requests, sessions, expected_bars: expectedBars(cal, tf, fromDay, toDay), min_requests: minRequests };
        memo.set(key, p);
      }
      units.push({ symbol, timeframe, ...p });
    }
  }
  const sum = (f: (u: UnitPlan) => number): number => units.reduce((a, u) => a + f(u), 0);
  const requests = sum((u) => u.requests);
  return {
    units,
    total: { units: units.length, requests, sessions: sum((u) => u.sessions), expected_bars: sum((u) => u.expected_bars), min_requests: sum((u) => u.min_requests) },
    duration_seconds: req.rpm > 0 ? Math.ceil((requests / req.rpm) * 60) : null,
    rate_limit_rpm: req.rpm,
  };
}
