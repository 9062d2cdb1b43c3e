// Polygon tickers are case-sensitive (share-class and preferred suffixes may use lowercase, e.g.
// `BRK.A`, `ALLpB`), so a symbol with any uppercase letter is taken verbatim. A symbol with no
// uppercase letter at all (`aapl`, `x:btcusd`) cannot be a Polygon ticker; the old service
// upper-cased such input and its clients still send it, so it is upper-cased rather than refused.
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/^[A-Z][A-Za-z0-9]{0,9}(?:\.[A-Za-z0-9]{1,4})?$/, 'stock'],
  [/^X:[A-Z0-9]{2,24}$/, 'crypto'],
  [/^C:[A-Z]{6}$/, 'forex'],
  [/^I:[A-Z0-9][A-Z0-9._]{0,23}$/, 'index'],
  [/^O:[A-Z][A-Z0-9.]{0,9}\d{6}[CP]\d{8}$/, 'option'],
];

export const SYMBOL_MAX_LENGTH = 32;

export const TICKER_HINT =
  'is not a well-formed Polygon ticker (e.g. AAPL, BRK.A, X:BTCUSD, C:EURUSD, I:SPX, O:AAPL250117C00150000)';

export function normalizeSymbol(raw: string): string {
  const s = raw.trim();
  return /[A-Z]/.test(s) ? s : s.toUpperCase();
}

export function isWellFormedTicker(symbol: string): boolean {
  return symbol.length <= SYMBOL_MAX_LENGTH && PATTERNS.some(([re]) => re.test(symbol));
}

/** First occurrence wins, so unit numbering follows the order the user gave. */
export function dedupe<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
