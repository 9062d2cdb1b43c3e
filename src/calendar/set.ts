import { type CalendarName, TradingCalendar } from './calendar.js';
import { calendarFor } from './ticker.js';

/** One memoizing TradingCalendar per calendar name, created on first use; pass one set around. */
export class CalendarSet {
  private readonly byName = new Map<CalendarName, TradingCalendar>();

  get(name: CalendarName): TradingCalendar {
    let cal = this.byName.get(name);
    if (cal === undefined) {
      cal = new TradingCalendar(name);
      this.byName.set(name, cal);
    }
    return cal;
  }

  forTicker(ticker: string): TradingCalendar {
    return this.get(calendarFor(ticker).calendar);
  }
}
