// What the coverage ledger already holds as final for a request's series, for the planner: the dry
// run and the estimate plan with it, as the unit activity does when it starts (reprocess "missing").
import type { CalendarName } from '../calendar/calendar.js';
import type { CalendarSet } from '../calendar/index.js';
import { sessionSettles } from '../coverage/settle.js';
import { readHeldRuns } from '../db/coverage-held.js';
import type { Queryable } from '../db/pool.js';
import { findSeriesIds } from '../db/series-ids.js';
import type { DayRun, HeldLookup } from '../planner/index.js';
import { parseDateToDay } from '../polygon/time.js';
import { parseTimeframe } from '../polygon/timeframes.js';
import type { ReprocessMode } from '../../workflows/vocabulary.js';

export async function heldLookup(
  q: Queryable,
  calendars: CalendarSet,
  req: { symbols: readonly string[]; timeframes: readonly string[]; start_date: string; end_date: string; adjusted: boolean; reprocess: ReprocessMode },
  settleMinutes: number | null,
): Promise<HeldLookup | undefined> {
  if (req.reprocess === 'all') return undefined;
  const fromDay = parseDateToDay(req.start_date)!;
  const toDay = parseDateToDay(req.end_date)!;
  const canonical = new Map(req.timeframes.map((t) => [t, parseTimeframe(t).label]));
  const series = await findSeriesIds(q, req.symbols, [...new Set(canonical.values())], req.adjusted);
  if (series.length === 0) return undefined;
  // One ledger query per calendar: the sessions and their settle instants differ between them.
  const byCalendar = new Map<CalendarName, number[]>();
  for (const s of series) {
    const name = calendars.forTicker(s.symbol).name;
    byCalendar.set(name, [...(byCalendar.get(name) ?? []), s.seriesId]);
  }
  const held = new Map<number, DayRun[]>();
  for (const [name, ids] of byCalendar) {
    const { days, settleMs } = sessionSettles(calendars.get(name), fromDay, toDay, settleMinutes);
    for (const [id, runs] of await readHeldRuns(q, ids, days, settleMs)) held.set(id, runs);
  }
  const idOf = new Map(series.map((s) => [`${s.symbol}|${s.timeframe}`, s.seriesId]));
  return (symbol, timeframe) => {
    const id = idOf.get(`${symbol}|${canonical.get(timeframe) ?? timeframe}`);
    return id === undefined ? undefined : held.get(id);
  };
}
