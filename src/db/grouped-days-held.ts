// Grouped daily with reprocess "missing" (issue 13): which of a grouped job's session days the
// coverage ledger already holds as final for EVERY one of its 1d series. A grouped request serves
// all symbols at once, so a day is only worth skipping when no symbol needs it; a day one symbol
// lacks is fetched for all (the others' bars are rewritten unchanged, as an update only when values
// differ).
import type { Queryable } from './pool.js';
import { readHeldRuns } from './coverage-held.js';
import { GROUPED_TIMEFRAME } from '../../workflows/vocabulary.js';

/**
 * The epoch days of `days` (ascending sessions, with their settle instants `settleMs`) held final
 * for every symbol's `1d` series of the given adjustment. A symbol without a series row holds
 * nothing, so then no day is held.
 */
export async function daysHeldByAll(
  q: Queryable,
  p: { symbols: readonly string[]; adjusted: boolean; days: readonly number[]; settleMs: readonly number[] },
): Promise<Set<number>> {
  const out = new Set<number>();
  if (p.symbols.length === 0 || p.days.length === 0) return out;
  const { rows } = await q.query<{ series_id: number }>(
    `SELECT series_id FROM series WHERE symbol = ANY($1::text[]) AND timeframe = $2 AND adjusted = $3`,
    [p.symbols, GROUPED_TIMEFRAME, p.adjusted],
  );
  const distinct = new Set(p.symbols);
  if (rows.length < distinct.size) return out;
  const ids = rows.map((r) => r.series_id);
  const held = await readHeldRuns(q, ids, p.days, p.settleMs);
  if (held.size < ids.length) return out;
  // Count, per day, the series whose runs cover it; held by all when every series does.
  const count = new Map<number, number>();
  const inRange = new Set(p.days);
  for (const runs of held.values()) {
    for (const r of runs) {
      for (let d = r.fromDay; d <= r.toDay; d++) if (inRange.has(d)) count.set(d, (count.get(d) ?? 0) + 1);
    }
  }
  for (const [d, n] of count) if (n === ids.length) out.add(d);
  return out;
}
