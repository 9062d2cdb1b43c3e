import type { BackfillInput, RetryRequest, UnitRef } from './messages.js';
import { GROUPED_TIMEFRAME } from './vocabulary.js';

// Units are numbered symbol-major: unit_no = i * timeframes.length + j. The workflow derives a
// unit's symbol and timeframe from its number and the input, so it never reads them back.

export const unitsTotalOf = (input: Pick<BackfillInput, 'symbols' | 'timeframes'>): number =>
  input.symbols.length * input.timeframes.length;

export function unitRef(input: Pick<BackfillInput, 'symbols' | 'timeframes'>, unitNo: number): UnitRef {
  const n = input.timeframes.length;
  return { unitNo, symbol: input.symbols[Math.floor(unitNo / n)]!, timeframe: input.timeframes[unitNo % n]! };
}

/** A unit fetched by the job's grouped-daily requests (a grouped job's `1d` unit), not by its own activity. */
export function isGroupedUnit(input: Pick<BackfillInput, 'timeframes' | 'strategy'>, unitNo: number): boolean {
  return input.strategy === 'grouped' && input.timeframes[unitNo % input.timeframes.length] === GROUPED_TIMEFRAME;
}

/** How many of the job's units its grouped-daily requests serve. */
export function groupedUnitsOf(input: Pick<BackfillInput, 'symbols' | 'timeframes' | 'strategy'>): number {
  return input.strategy === 'grouped' && input.timeframes.includes(GROUPED_TIMEFRAME) ? input.symbols.length : 0;
}

/** Activity ids of a grouped job's days: `day-3`, with a suffix for each retry. */
export function dayActivityId(dayNo: number, retry: number): string {
  return retry > 0 ? `day-${dayNo}-retry-${retry}` : `day-${dayNo}`;
}

/** Activity ids the Web UI shows: `unit-12-AAPL-1m`, with a suffix for each retry of the unit. */
export function unitActivityId(ref: UnitRef, retry: number): string {
  const base = `unit-${ref.unitNo}-${ref.symbol}-${ref.timeframe}`;
  return retry > 0 ? `${base}-retry-${retry}` : base;
}

/** Throws (an update validator's rejection) when the request names symbols or timeframes the job lacks. */
export function validateRetryRequest(input: Pick<BackfillInput, 'symbols' | 'timeframes'>, req: RetryRequest | undefined): void {
  if (req === null || req === undefined) return;
  if (typeof req !== 'object' || Array.isArray(req)) throw new Error('retry request must be an object {symbols?, timeframes?}');
  for (const [field, known] of [['symbols', input.symbols], ['timeframes', input.timeframes]] as const) {
    const asked = req[field];
    if (asked === undefined || asked === null) continue;
    if (!Array.isArray(asked) || asked.some((v) => typeof v !== 'string')) throw new Error(`${field} must be an array of strings`);
    const unknown = asked.filter((v) => !known.includes(v));
    if (unknown.length > 0) throw new Error(`${field} not in this job: ${unknown.slice(0, 10).join(', ')}`);
  }
}

/** The failed units a retry request selects (all failed units when it names nothing). */
export function selectFailed(
  input: Pick<BackfillInput, 'symbols' | 'timeframes' | 'strategy'>,
  failed: Iterable<number>,
  req: RetryRequest | undefined,
): number[] {
  const syms = req?.symbols?.length ? new Set(req.symbols) : null;
  const tfs = req?.timeframes?.length ? new Set(req.timeframes) : null;
  const out: number[] = [];
  for (const no of failed) {
    const ref = unitRef(input, no);
    if ((!syms || syms.has(ref.symbol)) && (!tfs || tfs.has(ref.timeframe))) out.push(no);
  }
  // Grouped units share their requests (one a day for all symbols): one retried retries them all,
  // at no extra request. src/db/requeue-units.ts widens the same way.
  if (out.some((no) => isGroupedUnit(input, no))) {
    const have = new Set(out);
    for (const no of failed) if (!have.has(no) && isGroupedUnit(input, no)) out.push(no);
  }
  return out.sort((a, b) => a - b);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Problems with a job's input that no retry can fix; empty when it is sound. The API validates
 * first; this guards workflows started straight from Temporal (CLI, Web UI).
 */
export function inputProblems(input: BackfillInput): string[] {
  const out: string[] = [];
  const list = (name: 'symbols' | 'timeframes') => {
    const v = input[name];
    if (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s.length === 0)) out.push(`${name} must be a non-empty array of strings`);
    else if (new Set(v).size !== v.length) out.push(`${name} must not repeat`);
  };
  list('symbols');
  list('timeframes');
  if (typeof input.jobId !== 'string' || !UUID.test(input.jobId)) out.push('jobId must be a UUID');
  if (!DATE.test(String(input.startDate)) || !DATE.test(String(input.endDate))) out.push('startDate and endDate must be YYYY-MM-DD');
  else if (input.startDate > input.endDate) out.push('startDate must not be after endDate');
  if (!(Number.isInteger(input.concurrency) && input.concurrency > 0)) out.push('concurrency must be a positive integer');
  return out;
}
