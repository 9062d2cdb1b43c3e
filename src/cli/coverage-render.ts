// `backfill coverage`: a series' coverage as a calendar, one block of weeks per month, each day a
// cell coloured by state (plain symbols when not a TTY), then the summary and the gap list.
import type { CoverageState } from '../../workflows/vocabulary.js';
import { int, paint, type Colour, type Style } from './format.js';
import type { CoverageResponse } from './types.js';

/** One symbol per state, readable without colour; with colour the cell is a coloured block. */
const CELL: Record<CoverageState, { plain: string; colour: Colour; label: string }> = {
  complete: { plain: '#', colour: 'green', label: 'complete' },
  suspect: { plain: '!', colour: 'yellow', label: 'suspect (bars broke a rule)' },
  no_bars: { plain: 'x', colour: 'red', label: 'no_bars (session, fetched, no bar)' },
  not_fetched: { plain: '?', colour: 'blue', label: 'not_fetched' },
  closed: { plain: '.', colour: 'gray', label: 'closed (no session)' },
};
const WEEKDAYS = 'Mo Tu We Th Fr Sa Su';

function cell(style: Style, state: CoverageState): string {
  const c = CELL[state];
  return style.enabled ? paint(style, c.colour, state === 'closed' ? '··' : '██') : `${c.plain} `;
}

/** Monday-first weekday of a YYYY-MM-DD (0 = Monday). */
const weekdayOf = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

export function renderCoverage(r: CoverageResponse, style: Style): string {
  const out: string[] = [`${paint(style, 'bold', `${r.symbol} ${r.timeframe}`)}${r.adjusted ? '' : ' (raw)'}  ${r.start} → ${r.end}  calendar ${r.calendar.name}`, ''];
  const months = new Map<string, CoverageResponse['days']>();
  for (const d of r.days) {
    const m = d.date.slice(0, 7);
    months.set(m, [...(months.get(m) ?? []), d]);
  }
  for (const [month, days] of months) {
    out.push(`${paint(style, 'bold', month)}  ${WEEKDAYS}`);
    let line = ' '.repeat(9) + '   '.repeat(weekdayOf(days[0]!.date));
    for (const d of days) {
      line += cell(style, d.state) + ' ';
      if (weekdayOf(d.date) === 6) {
        out.push(line.trimEnd());
        line = ' '.repeat(9);
      }
    }
    if (line.trim()) out.push(line.trimEnd());
  }
  out.push('', `legend: ${Object.entries(CELL).map(([s, c]) => `${cell(style, s as CoverageState).trim()} ${c.label}`).join('  ')}`);
  const s = r.summary;
  out.push(
    `sessions ${int(s.sessions)}: complete ${int(s.complete)}, suspect ${int(s.suspect)}, no_bars ${int(s.no_bars)}, not_fetched ${int(s.not_fetched)}; closed days ${int(s.closed)}`,
  );
  if (!s.gaps.length) out.push('no gaps');
  else {
    out.push(`gaps (${s.gaps.length}):`);
    for (const g of s.gaps) {
      const span = g.start === g.end ? g.start : `${g.start}..${g.end}`;
      out.push(`  ${span.padEnd(22)} ${String(g.sessions).padStart(4)} session${g.sessions === 1 ? ' ' : 's'}  ${paint(style, CELL[g.state].colour, g.state)}`);
    }
  }
  const suspect = r.days.filter((d) => d.state === 'suspect');
  if (suspect.length) out.push(`suspect days: ${suspect.map((d) => `${d.date} (${d.rules.join(', ')})`).join('; ')}`);
  return out.join('\n');
}
