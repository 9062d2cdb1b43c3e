import type { CalendarSet } from '../calendar/set.js';
import { GROUPED_TIMEFRAME, type FetchStrategy, type StrategyChoice, type ValidationMode } from '../../workflows/vocabulary.js';

export interface StrategyRequest {
  symbols: readonly string[];
  timeframes: readonly string[];
  validation?: ValidationMode;
}

/** Why a job cannot be fetched grouped, in words for a 400 naming `strategy`; null when it can. */
export function groupedIneligible(req: StrategyRequest, calendars: CalendarSet): string | null {
  // Strict validation fails one unit on its first bad bar; a grouped day is every unit's at once.
  if (req.validation === 'strict') return 'grouped daily does not take validation "strict" (a bad bar would fail every symbol\'s day): use per_ticker';
  if (!req.timeframes.includes(GROUPED_TIMEFRAME)) return `grouped daily serves ${GROUPED_TIMEFRAME} bars only; the job asks for ${req.timeframes.join(', ')}`;
  // Grouped daily is Polygon's US-stocks endpoint: indices, crypto and forex are not in its answer.
  const other = req.symbols.filter((s) => s.startsWith('I:') || calendars.forTicker(s).name !== 'XNYS');
  if (other.length > 0) return `grouped daily covers US stocks only; not: ${other.slice(0, 5).join(', ')}${other.length > 5 ? ', ...' : ''}`;
  return null;
}

/**
 * The job's strategy. `auto` picks grouped when the job may use it and its session days cost fewer
 * requests than its `1d` units would one symbol at a time (`perTickerRequests`, from the windows).
 */
export function chooseStrategy(
  choice: StrategyChoice,
  req: StrategyRequest,
  calendars: CalendarSet,
  cost: { sessions: number; perTickerRequests: number },
): FetchStrategy {
  if (choice === 'per_ticker') return 'per_ticker';
  const why = groupedIneligible(req, calendars);
  if (choice === 'grouped') {
    if (why !== null) throw new StrategyError(why);
    return 'grouped';
  }
  return why === null && cost.sessions < cost.perTickerRequests ? 'grouped' : 'per_ticker';
}

/** A request asked for `grouped` where it cannot apply (the API answers 400 naming `strategy`). */
export class StrategyError extends Error {
  constructor(message: string) {
    super(`strategy: ${message}`);
    this.name = 'StrategyError';
  }
}
