import { CalendarSet, type CalendarName } from '../calendar/index.js';

// The simulator's view of the product calendar (src/calendar): which minutes of a New York day can
// carry a bar for each simulated market.

export type Market = 'stock' | 'crypto' | 'forex' | 'index';

/** Crypto `X:` trades 24/7, forex `C:` Sunday 17:00 to Friday 17:00 ET, indices `I:` the regular session only. */
export function marketOf(ticker: string): Market {
  if (ticker.startsWith('X:')) return 'crypto';
  if (ticker.startsWith('C:')) return 'forex';
  if (ticker.startsWith('I:')) return 'index';
  return 'stock';
}

const CALENDAR_OF: Readonly<Record<Market, CalendarName>> = { stock: 'XNYS', index: 'XNYS', crypto: 'CRYPTO', forex: 'FOREX' };

/** One day's trading, as UTC ms; `open..close` holds every minute that can have a bar. */
export interface DaySession {
  day: number;
  dayStart: number;
  dayEnd: number;
  open: number;
  close: number;
  regOpen: number;
  regClose: number;
}

/** Sessions per market from the product calendar, memoized per instance (no module-level state). */
export class MarketCalendar {
  private readonly cals = new CalendarSet();

  dayStart(day: number): number {
    return this.cals.get('XNYS').dayStart(day);
  }

  session(market: Market, day: number): DaySession | null {
    const s = this.cals.get(CALENDAR_OF[market]).session(day);
    if (s === null) return null;
    // An index is computed from regular-session trades only.
    const open = market === 'index' ? s.open : s.extendedOpen;
    const close = market === 'index' ? s.close : s.extendedClose;
    return { day, dayStart: s.dayStart, dayEnd: s.dayEnd, open, close, regOpen: s.open, regClose: s.close };
  }
}
