import type { CoverageState, ValidationRule } from '../../workflows/vocabulary.js';
import type { LedgerDay } from '../db/coverage-report.js';
import { dayToDate } from '../polygon/index.js';
import type { SessionCalendar } from './day-facts.js';

export interface CoverageDay {
  date: string;
  state: CoverageState;
  bars: number;
  first: string | null;
  last: string | null;
  outside_session: number;
  violations: number;
  rules: ValidationRule[];
}

export interface CoverageGap {
  start: string;
  end: string;
  sessions: number;
  state: 'no_bars' | 'not_fetched';
}

export interface CoverageSummary {
  sessions: number;
  complete: number;
  no_bars: number;
  not_fetched: number;
  suspect: number;
  closed: number;
  gaps: CoverageGap[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Every date of [fromDay, toDay] with its state: the ledger's where it has a row, otherwise
 * `not_fetched` on a session of the calendar and `closed` on any other date. Gaps are runs of
 * sessions in one gap state; closed dates inside a run do not break it (a gap over a weekend is
 * one gap), any other session does.
 */
export function buildCoverage(ledger: readonly LedgerDay[], fromDay: number, toDay: number, calendar: SessionCalendar): { days: CoverageDay[]; summary: CoverageSummary } {
  const byDay = new Map(ledger.map((r) => [r.day, r]));
  const days: CoverageDay[] = [];
  const summary: CoverageSummary = { sessions: 0, complete: 0, no_bars: 0, not_fetched: 0, suspect: 0, closed: 0, gaps: [] };
  let run: CoverageGap | null = null;
  for (let d = fromDay; d <= toDay; d++) {
    const r = byDay.get(d);
    const state: CoverageState = r ? r.state : calendar.session(d) ? 'not_fetched' : 'closed';
    const date = dayToDate(d);
    days.push({
      date, state, bars: r?.bars ?? 0, first: iso(r?.first ?? null), last: iso(r?.last ?? null),
      outside_session: r?.outside ?? 0, violations: r?.violations ?? 0, rules: r?.rules ?? [],
    });
    summary[state] += 1;
    if (state === 'closed') continue;
    summary.sessions += 1;
    if (state === 'no_bars' || state === 'not_fetched') {
      if (run && run.state === state) {
        run.end = date;
        run.sessions += 1;
      } else {
        run = { start: date, end: date, sessions: 1, state };
        summary.gaps.push(run);
      }
    } else {
      run = null;
    }
  }
  return { days, summary };
}
