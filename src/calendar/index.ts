// The product's one exchange calendar (pure: no I/O, no clock). Used by the validator, the coverage
// report, the window planner and the simulator.
export { CALENDAR_NAMES, type CalendarName, CalendarInputError, type DateInput, type Session, toEpochDay, TradingCalendar } from './calendar.js';
export { calendarFor, type CalendarChoice } from './ticker.js';
export { easterDay, xnysClosures, xnysEarlyClose } from './xnys.js';
export { CalendarSet } from './set.js';
