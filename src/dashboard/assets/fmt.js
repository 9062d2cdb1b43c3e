// @ts-check
// Formatting for the dashboard. Plain ES module (no build step); unit-tested from test/dashboard.

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567"; null → "—". */
export function int(n) {
  return typeof n === 'number' && Number.isFinite(n) ? intFmt.format(n) : '—';
}

/** 1234567 → "1.23M", 12345 → "12.3k", 999 → "999". */
export function compact(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return intFmt.format(n);
}

export function fixed(n, digits = 1) {
  return typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—';
}

export function pct(n) {
  return typeof n === 'number' && Number.isFinite(n) ? `${n.toFixed(1)}%` : '—';
}

/** Seconds → "4s", "1m05s", "2h03m", "3d04h". */
export function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Like duration, with tenths below 10 s: "0.4s", "9.8s", "12s". */
export function durationPrecise(seconds) {
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 && seconds < 10) return `${seconds.toFixed(1)}s`;
  return duration(seconds);
}

/** Seconds between two ISO instants (end defaults to `now`, ms). */
export function elapsed(startIso, endIso, now) {
  if (!startIso) return null;
  const a = Date.parse(startIso);
  const b = endIso ? Date.parse(endIso) : now;
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, (b - a) / 1000) : null;
}

const p2 = (n) => String(n).padStart(2, '0');

/** "14:03:07" in local time. */
export function clock(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** "2024-03-01 14:03:07" in local time. */
export function stamp(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${clock(iso)}`;
}

/** "12s ago", "5m ago", "3h ago", "2d ago". */
export function ago(iso, now) {
  const s = elapsed(iso, null, now);
  if (s === null) return '—';
  if (s < 60) return `${Math.floor(s)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 172800) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

/** First 8 characters of an id, for dense tables. */
export function shortId(id) {
  return String(id ?? '').slice(0, 8);
}

/**
 * The label shown in a status pill.
 * @param {string | null | undefined} status
 */
export function statusLabel(status) {
  return status === 'completed_with_errors' ? 'errors' : String(status ?? '—');
}

/**
 * Splits "AAPL, msft  ALLpB" into ["AAPL","MSFT","ALLpB"] (deduplicated, order kept). Tickers are
 * case-sensitive, so only a symbol with no capital letter at all is upper-cased (as the API does).
 */
export function parseSymbols(text) {
  const seen = new Set();
  for (const s of String(text).split(/[\s,;]+/)) {
    const t = s.trim();
    if (t) seen.add(/[A-Z]/.test(t) ? t : t.toUpperCase());
  }
  return [...seen];
}
