import type { CalendarSet } from '../calendar/index.js';
import { parseDateToDay } from '../polygon/time.js';
import { parseTimeframe } from '../polygon/timeframes.js';
import type { PageValidation } from './validate.js';

/** The validation settings of a unit's pages from its ticker, timeframe label and New York dates. */
export function pageValidationFor(
  calendars: CalendarSet,
  unit: { ticker: string; timeframe: string; from: string; to: string },
  opts: Pick<PageValidation, 'vwapTolerance' | 'maxViolations'> = {},
): PageValidation {
  const fromDay = parseDateToDay(unit.from);
  const toDay = parseDateToDay(unit.to);
  if (fromDay === null || toDay === null) throw new RangeError(`unit dates must be YYYY-MM-DD (got ${unit.from}, ${unit.to})`);
  return { timeframe: parseTimeframe(unit.timeframe), calendar: calendars.forTicker(unit.ticker), fromDay, toDay, ...opts };
}
