import type { CalendarName } from '../calendar/calendar.js';
import type { CalendarSet } from '../calendar/set.js';
import { parseDateToDay } from '../polygon/time.js';
import { parseTimeframe } from '../polygon/timeframes.js';
import { planUnitFetch, type DayRun } from './runs.js';

/** What a backfill asks for, in the API's words; `limit` is POLYGON_PAGE_LIMIT, `rpm` POLYGON_RATE_LIMIT_RPM (0: unlimited). */
export interface PlanRequest {
  symbols: readonly string[];
  timeframes: readonly string[];
  start_date: string;
  end_date: string;
  limit: number;
  rpm: number;
}

/**
 * The ledger's final sessions of a unit's series (ascending disjoint date runs), or undefined when
 * it holds none; the API reads them from Postgres (src/db/coverage-held.ts). Absent: nothing held,
 * which is also what reprocess "all" plans with.
 */
export type HeldLookup = (symbol: string, timeframe: string) => readonly DayRun[] | undefined;

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
  const total = { units: units.length } as Plan['total'];
  for (const k of COUNT_KEYS) total[k] = units.reduce((a, u) => a + u[k], 0);
  const requests = total.requests;
  return {
    units,
    total,
    duration_seconds: req.rpm > 0 ? Math.ceil((requests / req.rpm) * 60) : null,
    rate_limit_rpm: req.rpm,
  };
}
