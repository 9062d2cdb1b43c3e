// The dry run's plan as text: one line per unit, then the totals and the duration at the rate limit.
import { duration, int, paint, table, type Style } from './format.js';
import type { PlanResponse } from './types.js';

export function renderPlan(p: PlanResponse, style: Style): string {
  const rows = p.units.map((u) => [u.symbol, u.timeframe, u.calendar, u.strategy, int(u.requests), int(u.min_requests), int(u.sessions), int(u.sessions_held ?? 0), int(u.expected_bars)]);
  const t = p.total;
  const eta = p.duration_seconds === null ? 'no rate limit configured (POLYGON_RATE_LIMIT_RPM)' : `${duration(p.duration_seconds)} at ${int(p.rate_limit_rpm)} requests/min`;
  const m = p.measured;
  const measured =
    m === undefined || m.duration_seconds === null || m.requests_per_second === null
      ? 'no completed job measured yet'
      : `${duration(m.duration_seconds)} at ${m.requests_per_second} requests/s (measured over the last ${int(m.jobs)} job${m.jobs === 1 ? '' : 's'})`;
  const saved = (t.requests_saved ?? 0) > 0 ? `; ${int(t.sessions_skipped ?? 0)} held sessions skipped save ${int(t.requests_saved ?? 0)} request${t.requests_saved === 1 ? '' : 's'}` : '';
  return [
    `${paint(style, 'bold', 'Plan')} (dry run: nothing started)  ${p.date_range.start_date} → ${p.date_range.end_date}  ${p.adjusted ? 'adjusted' : 'unadjusted'}  page limit ${int(p.page_limit)}`,
    table(['symbol', 'timeframe', 'calendar', 'strategy', 'requests', 'floor', 'to fetch', 'held', 'bars (at most)'], rows, ['l', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r']),
    `  ${int(t.units)} unit${t.units === 1 ? '' : 's'}: ${int(t.requests)} Polygon request${t.requests === 1 ? '' : 's'} (floor ${int(t.min_requests)}), ${int(t.sessions)} sessions to fetch, ${int(t.sessions_held ?? 0)} already held, up to ${int(t.expected_bars)} bars${saved}`,
    ...(p.grouped
      ? [`  grouped daily: ${int(p.grouped.requests)} request${p.grouped.requests === 1 ? '' : 's'}, one per session day, for all ${int(p.grouped.symbols)} ${p.grouped.timeframe} symbols${p.grouped.sessions_skipped ? `; ${int(p.grouped.sessions_skipped)} session day${p.grouped.sessions_skipped === 1 ? '' : 's'} held for all of them skipped` : ''}`]
      : []),
    `  duration  ${eta}`,
    `  measured  ${measured}`,
  ].join('\n');
}
