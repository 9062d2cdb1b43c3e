import type { TradingCalendar } from '../calendar/index.js';
import { validatePage, type Violation } from '../ingest/validate.js';
import type { Page, ResumeCursor, Timeframe } from '../polygon/index.js';
import { pageDayFacts, type DayFacts } from './day-facts.js';

export interface UnitScope {
  timeframe: Timeframe;
  calendar: TradingCalendar;
  /** The unit's requested New York dates, epoch days, inclusive. */
  fromDay: number;
  toDay: number;
}

export interface InspectedPage {
  violations: Violation[];
  /** What the page writer commits with the bars (src/db/write-page.ts `coverage`). */
  coverage: { afterTs: number | null; days: DayFacts; violations: Violation[] };
}

/**
 * Everything the write path learns from a page before it is written: the rules its bars break and
 * its ledger rows. `after` is the cursor the page continues from (the previous page's).
 */
export function inspectPage(page: Page, after: ResumeCursor, scope: UnitScope): InspectedPage {
  const violations = validatePage(page.bars, scope);
  const days = pageDayFacts({ bars: page.bars, covers: page.covers, violations }, scope.timeframe, scope.calendar);
  return { violations, coverage: { afterTs: after?.afterTs ?? null, days, violations } };
}

/** The first violations, for a failure message a person reads. */
export function describeViolations(vs: readonly Violation[], first = 3): string {
  const shown = vs.slice(0, first).map((v) => `${v.rule} at ${new Date(v.ts).toISOString()} (${v.detail})`);
  return `${vs.length} bar${vs.length === 1 ? '' : 's'} failed validation: ${shown.join('; ')}${vs.length > first ? '; ...' : ''}`;
}
