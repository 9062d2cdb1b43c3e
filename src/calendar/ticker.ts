import type { CalendarName } from './calendar.js';

export interface CalendarChoice {
  calendar: CalendarName;
  /** Why this calendar: the rule that matched, in words for a user. */
  reason: string;
}

/**
 * Which calendar a Polygon ticker trades on, from its prefix (Polygon's own market prefixes):
 * - `X:` crypto (X:BTCUSD): trades every day around the clock; a day is a New York calendar day,
 *   because Polygon stamps daily bars at 00:00 New York for every market.
 * - `C:` forex (C:EURUSD): around the clock from Sunday 17:00 to Friday 17:00 New York (the
 *   interbank week), so Saturday is closed and Sunday holds its evening; exchange holidays do not apply.
 * - `I:` indices and `O:` options: computed from or traded on US exchanges in NYSE hours: XNYS.
 * - anything else is a US stock ticker: XNYS.
 */
export function calendarFor(ticker: string): CalendarChoice {
  if (ticker.startsWith('X:')) return { calendar: 'CRYPTO', reason: 'X: is a crypto pair: trades every day, around the clock' };
  if (ticker.startsWith('C:')) return { calendar: 'FOREX', reason: 'C: is a forex pair: trades around the clock from Sunday 17:00 to Friday 17:00 New York' };
  if (ticker.startsWith('I:')) return { calendar: 'XNYS', reason: 'I: is a US index: its values follow the NYSE sessions' };
  if (ticker.startsWith('O:')) return { calendar: 'XNYS', reason: 'O: is a US listed option: NYSE holidays and hours' };
  return { calendar: 'XNYS', reason: 'a US stock ticker: NYSE holidays, early closes and hours' };
}
