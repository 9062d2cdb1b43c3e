import { MarketCalendar, marketOf } from '../polygon-sim/calendar.js';

/**
 * The trading sessions of one ticker's calendar, as the coverage ledger needs them: whether a New
 * York date is a session, and the instants [open, close) that can hold a bar on it (extended hours
 * for stocks). Crypto (`X:`) has a session every day, forex (`C:`) every weekday, stocks XNYS.
 */
export interface SessionCalendar {
  session(day: number): { open: number; close: number } | null;
}

/** One calendar per ticker's market; each instance memoises its own tables (no module state). */
export function sessionCalendarFor(ticker: string): SessionCalendar {
  const cal = new MarketCalendar();
  const market = marketOf(ticker);
  return { session: (day) => cal.session(market, day) };
}
