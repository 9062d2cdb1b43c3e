import type { TradingCalendar } from '../calendar/index.js';
import { validatePage, type Violation } from '../ingest/validate.js';
import { filterColumns, type BarColumns } from '../polygon/bar-columns.js';
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
  /**
   * The page's bars as they are stored: all of them, flagged or not, except a repeated timestamp
   * after its first bar (one row per (series, ts); the repeat is in `violations`, never lost silently).
   */
  bars: BarColumns;
  /** What the page writer commits with the bars (src/db/write-page.ts `coverage`). */
  coverage: { afterTs: number | null; days: DayFacts; violations: Violation[] };
}

/**
 * Everything the write path learns from a page before it is written: the rules its bars break and
 * its ledger rows. `after` is the cursor the page continues from (the previous page's).
 */
export function inspectPage(page: Page, after: ResumeCursor, scope: UnitScope): InspectedPage {
  const violations = validatePage(page.bars, scope);
  // Only a page whose timestamps do not increase can repeat one (the validator names the repeat of
  // the latest bar ts_duplicate, an earlier one ts_out_of_order): the common page is not copied.
  const unordered = violations.some((v) => v.rule === 'ts_duplicate' || v.rule === 'ts_out_of_order');
  const bars = unordered ? firstOfEachTs(page.bars) : page.bars;
  const days = pageDayFacts({ bars, covers: page.covers, violations }, scope.timeframe, scope.calendar);
  return { violations, bars, coverage: { afterTs: after?.afterTs ?? null, days, violations } };
}

/** The bars with every later bar of an already-seen timestamp left out, order kept. */
function firstOfEachTs(bars: BarColumns): BarColumns {
  const seen = new Set<number>();
  const ts = bars.t;
  return filterColumns(bars, (i) => {
    const t = ts[i]!;
    if (seen.has(t)) return false;
    seen.add(t);
    return true;
  });
}

/** The first violations, for a failure message a person reads. */
export function describeViolations(vs: readonly Violation[], first = 3): string {
  const shown = vs.slice(0, first).map((v) => `${v.rule} at ${new Date(v.ts).toISOString()} (${v.detail})`);
  return `${vs.length} bar${vs.length === 1 ? '' : 's'} failed validation: ${shown.join('; ')}${vs.length > first ? '; ...' : ''}`;
}
