// Plain-text formatting for the CLI: numbers, durations, colours, progress bars, tables.

export interface Style {
  enabled: boolean;
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export type Colour = keyof typeof CODES;

export function paint(style: Style, colour: Colour, s: string): string {
  if (!style.enabled) return s;
  const [on, off] = CODES[colour];
  return `\x1b[${on}m${s}\x1b[${off}m`;
}

// eslint-disable-next-line no-control-regex -- matching ANSI escapes is the point
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');
export const visibleLength = (s: string): number => [...stripAnsi(s)].length;

export function statusColour(status: string): Colour {
  switch (status) {
    case 'completed':
      return 'green';
    case 'completed_with_errors':
      return 'yellow';
    case 'failed':
      return 'red';
    case 'cancelled':
    case 'cancelling':
      return 'magenta';
    case 'paused':
      return 'yellow';
    case 'running':
      return 'cyan';
    default:
      return 'gray';
  }
}

export const paintStatus = (style: Style, status: string): string => paint(style, statusColour(status), status);

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export function int(n: number | null | undefined): string {
  return typeof n === 'number' && Number.isFinite(n) ? intFmt.format(n) : '—';
}

export function decimal(n: number | null | undefined, digits = 1): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
}

export function pct(n: number | null | undefined): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '—';
  return `${n.toFixed(1)}%`;
}

/** 75 → "1m15s", 3725 → "1h02m", 4 → "4s". */
export function duration(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** Seconds between two ISO timestamps (end defaults to now). */
export function elapsedSeconds(startIso: string | null | undefined, endIso: string | null | undefined, now: number): number | null {
  if (!startIso) return null;
  const a = Date.parse(startIso);
  const b = endIso ? Date.parse(endIso) : now;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return Math.max(0, (b - a) / 1000);
}

/** A bar of `width` cells; fractional cells use eighth blocks when unicode is allowed. */
export function bar(fraction: number, width: number, unicode = true): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  if (!unicode) {
    const full = Math.round(f * width);
    return `[${'#'.repeat(full)}${'.'.repeat(width - full)}]`;
  }
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const partials = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
  const body = '█'.repeat(full) + (partial ? partials[partial] : '');
  return body + '░'.repeat(Math.max(0, width - [...body].length));
}

/** Left-aligned text columns; numbers (by `align`) right-aligned. */
export function table(headers: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const widths = headers.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const cell = (s: string, i: number) => {
    const pad = ' '.repeat(Math.max(0, widths[i]! - visibleLength(s)));
    return align[i] === 'r' ? pad + s : s + pad;
  };
  const line = (r: string[]) => r.map((c, i) => cell(c, i)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

export function localTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
