import type { TradingCalendar } from '../calendar/calendar.js';
import type { Timeframe } from '../polygon/timeframes.js';
import { expectedBars } from './bars.js';
import { planWindows, sessionBaseBars, type RequestWindow } from './windows.js';

/** New York dates fromDay..toDay (epoch days), both inclusive. */
export interface DayRun {
  fromDay: number;
  toDay: number;
}

/** What one unit fetches of its range and what that costs, given what the coverage ledger holds. */
export interface UnitFetchPlan {
  /** The date runs to fetch, ascending and disjoint; the whole range when nothing is skipped. */
  runs: DayRun[];
  /** Requests over `runs` (one per window; a rare next_url page adds one). */
  requests: number;
  /** Requests the whole range would take (reprocess "all"). */
  requestsAll: number;
  /** Sessions inside `runs`: the ones fetched. */
  sessions: number;
  /** Sessions of the range the ledger holds as final. */
  sessionsHeld: number;
  /** Held sessions left out of `runs` (sessionsHeld, unless refetching them was cheaper). */
  sessionsSkipped: number;
  /** Base bars (Polygon's `limit` unit) of the sessions fetched. */
  baseBars: number;
  expectedBars: number;
}

/**
 * Plans one unit over its range, fetching only what `held` does not cover.
 *
 * `held`: the ledger's final sessions as ascending disjoint date runs (a run may span the closed
 * days between its sessions); null for reprocess "all". The range splits into maximal stretches of
 * dates outside `held`; a stretch holding a session becomes a run (its closed days ride along, as
 * they cost nothing), one of closed days only is dropped. Each run is packed into windows on its
 * own, so a held day costs nothing. Splitting can, rarely, cost a request more than packing the
 * whole range (a held day in the middle of a window); then the whole range is fetched instead,
 * so "missing" never asks Polygon more than "all" would.
 */
export function planUnitFetch(
  cal: TradingCalendar,
  tf: Timeframe,
  fromDay: number,
  toDay: number,
  limit: number,
  held: readonly DayRun[] | null,
): UnitFetchPlan {
  const whole: DayRun[] = [{ fromDay, toDay }];
  const requestsAll = countWindows(cal, tf, whole, limit);
  let sessionsHeld = 0;
  const runs: DayRun[] = [];
  if (held !== null && held.length > 0) {
    let h = 0;
    let start: number | null = null;
    let hasSession = false;
    for (let d = fromDay; d <= toDay; d++) {
      while (h < held.length && held[h]!.toDay < d) h++;
      const inHeld = h < held.length && held[h]!.fromDay <= d;
      const session = cal.session(d) !== null;
      if (inHeld) {
        if (session) sessionsHeld++;
        if (start !== null && hasSession) runs.push({ fromDay: start, toDay: d - 1 });
        start = null;
        hasSession = false;
      } else {
        start ??= d;
        hasSession ||= session;
      }
    }
    if (start !== null && hasSession) runs.push({ fromDay: start, toDay });
  }
  if (sessionsHeld === 0) return summarise(cal, tf, whole, requestsAll, requestsAll, 0, 0);
  const requests = countWindows(cal, tf, runs, limit);
  if (requests > requestsAll) return summarise(cal, tf, whole, requestsAll, requestsAll, sessionsHeld, 0);
  return summarise(cal, tf, runs, requests, requestsAll, sessionsHeld, sessionsHeld);
}

function summarise(
  cal: TradingCalendar,
  tf: Timeframe,
  runs: DayRun[],
  requests: number,
  requestsAll: number,
  sessionsHeld: number,
  sessionsSkipped: number,
): UnitFetchPlan {
  let sessions = 0;
  let baseBars = 0;
  let bars = 0;
  for (const r of runs) {
    for (let d = r.fromDay; d <= r.toDay; d++) {
      const s = cal.session(d);
      if (s === null) continue;
      sessions++;
      baseBars += sessionBaseBars(cal, tf, d) ?? s.extendedMinutes * 60;
    }
    bars += expectedBars(cal, tf, r.fromDay, r.toDay);
  }
  return { runs, requests, requestsAll, sessions, sessionsHeld, sessionsSkipped, baseBars, expectedBars: bars };
}

function countWindows(cal: TradingCalendar, tf: Timeframe, runs: readonly DayRun[], limit: number): number {
  let n = 0;
  for (const _ of planWindowsOver(cal, tf, runs, limit, null)) n++;
  return n;
}

/**
 * The request windows over several date runs, in order: each run packed on its own by planWindows.
 * On resume (`afterTs`), runs that end before the cursor yield nothing and the run holding it
 * starts after it, exactly as a single range does.
 */
export function* planWindowsOver(
  cal: TradingCalendar,
  tf: Timeframe,
  runs: readonly DayRun[],
  limit: number,
  afterTs: number | null,
): Generator<RequestWindow> {
  for (const r of runs) yield* planWindows(cal, tf, r.fromDay, r.toDay, limit, afterTs);
}
