// The API accepts exactly the timeframes a worker can fetch: the Polygon client's own parser, and
// its window planner with the configured page limit (a bar wider than a page, like `999q`, could
// never be requested without silent truncation). A job never fails later on a label that passed.
import { SUPPORTED_TIMEFRAMES, parseTimeframe } from '../polygon/timeframes.js';
import { windowCapacity } from '../planner/windows.js';

export const TIMEFRAME_HINT = `is not a supported timeframe (<N><unit>, unit one of s m h d w mo q y; e.g. ${SUPPORTED_TIMEFRAMES.join(', ')})`;

/** Null when the timeframe is fine, else why not (to follow the quoted label). */
export function timeframeProblem(tf: string, pageLimit: number): string | null {
  let parsed;
  try {
    parsed = parseTimeframe(tf);
  } catch {
    return TIMEFRAME_HINT;
  }
  try {
    windowCapacity(parsed, pageLimit);
  } catch {
    return `is too wide to fetch: one bar spans more base bars than a Polygon page holds (POLYGON_PAGE_LIMIT ${pageLimit})`;
  }
  return null;
}
