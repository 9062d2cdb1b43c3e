// Which sessions a schedule's run fetches (pure: the activity reads the ledger and passes it in).
// A run scheduled at T looks at the `lookback` last sessions completed by T and fetches from the
// oldest one that is missing or not final to the last completed one. Everything is relative to T,
// never to the clock, so a schedule backfill over past evenings fetches each evening's own window.
import type { CalendarSet, Session, TradingCalendar } from '../calendar/index.js';
import { settleAt } from '../coverage/settle.js';

/**
 * A session is completed (a run scheduled from then on fetches it) at its extended close: its last
 * bar is in. It is final (needs no fetching again) only once fetched after its settle time
 * (src/coverage/settle.ts, the same rule reprocess "missing" skips by): tonight's run fetches
 * tonight's session, and tomorrow's run fetches it again unless that fetch had settled.
 */
export const completedAt = (s: Session): number => s.extendedClose;

/** The last session of a calendar completed by an instant. */
export function lastCompletedSession(cal: TradingCalendar, atMs: number): Session {
  const today = cal.nyDateOf(atMs);
  const s = cal.session(today);
  if (s && completedAt(s) <= atMs) return s;
  return cal.previousSession(today);
}

/** The `lookback` sessions completed by an instant, oldest first. */
export function lookbackSessions(cal: TradingCalendar, atMs: number, lookback: number): Session[] {
  const out: Session[] = [lastCompletedSession(cal, atMs)];
  while (out.length < lookback) out.unshift(cal.previousSession(out[0]!.date));
  return out;
}

/** When the ledger last fetched each session day of a series: `symbol|timeframe` -> date -> ms. */
export type FetchedAt = ReadonlyMap<string, ReadonlyMap<string, number>>;
export const seriesKey = (symbol: string, timeframe: string): string => `${symbol}|${timeframe}`;

export interface TopUpRange {
  /** The lookback window over every symbol's calendar (the dates a run looked at). */
  window: { start: string; end: string };
  /** From the oldest missing or non-final session to the last completed one; null when all are final. */
  range: { start: string; end: string } | null;
}

/**
 * The run's range. The job is one date range for all its series, so it starts at the oldest
 * session any series still needs and ends at the latest last-completed session of any symbol's
 * calendar (a crypto symbol's calendar runs ahead of a stock's).
 */
export function topUpRange(
  calendars: CalendarSet,
  p: { symbols: readonly string[]; timeframes: readonly string[]; lookbackSessions: number; atMs: number; settleMinutes: number | null },
  fetched: FetchedAt,
): TopUpRange {
  let windowStart: string | null = null;
  let end: string | null = null;
  let start: string | null = null;
  for (const symbol of p.symbols) {
    const cal = calendars.forTicker(symbol);
    const sessions = lookbackSessions(cal, p.atMs, p.lookbackSessions);
    const first = sessions[0]!.date;
    const last = sessions[sessions.length - 1]!.date;
    if (windowStart === null || first < windowStart) windowStart = first;
    if (end === null || last > end) end = last;
    for (const timeframe of p.timeframes) {
      const days = fetched.get(seriesKey(symbol, timeframe));
      const needed = sessions.find((s) => {
        const at = days?.get(s.date);
        return at === undefined || at < settleAt(cal, s.day, p.settleMinutes)!;
      });
      if (needed && (start === null || needed.date < start)) start = needed.date;
    }
  }
  const window = { start: windowStart!, end: end! };
  return { window, range: start === null ? null : { start, end: end! } };
}
