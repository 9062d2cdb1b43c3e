// One table on stdout (figure, value, unit, ratio, aim, met?) and the same rows as JSON under .bench/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt } from './stats.js';
import { ROOT } from './proc.js';

export interface ResultRow {
  /** The figure's subject ("ceiling", "rerun", ...); "-" for supporting measurements. */
  fig: string;
  metric: string;
  /** Median of `runs`. */
  value: number;
  unit: string;
  /** Median over runs of the per-run ratio (ratios are taken within one run). */
  ratio?: number;
  ratioOf?: string;
  aim?: string;
  met?: boolean;
  runs: number[];
  note?: string;
}

export interface Report {
  startedAt: string;
  finishedAt?: string;
  mode: 'full' | 'quick';
  machine: Record<string, unknown>;
  params: Record<string, unknown>;
  rows: ResultRow[];
  details: Record<string, unknown>;
  errors: string[];
}

function pad(s: string, n: number, right = false): string {
  if (s.length >= n) return s;
  return right ? s.padStart(n) : s.padEnd(n);
}

function ratioText(r: ResultRow): string {
  if (r.ratio === undefined) return '';
  const x = r.ratio;
  const t = x >= 2 ? `${fmt(x, 1)}x` : `${fmt(x * 100, 0)}%`;
  return r.ratioOf ? `${t} of ${r.ratioOf}` : t;
}

export function renderTable(rows: readonly ResultRow[]): string {
  const head = ['fig', 'metric', 'value', 'unit', 'ratio', 'aim', 'met?', 'runs'];
  const body = rows.map((r) => [
    r.fig,
    r.metric,
    fmt(r.value),
    r.unit,
    ratioText(r),
    r.aim ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.runs.length > 1 ? r.runs.slice(0, 5).map((x) => fmt(x)).join(' / ') + (r.runs.length > 5 ? ' / ...' : '') : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i]!, i === 2)).join(' | ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}

/** The same table as Markdown, for the README. */
export function renderMarkdown(rows: readonly ResultRow[]): string {
  const head = '| fig | metric | value | unit | ratio | aim | met? |';
  const sep = '|---|---|---:|---|---|---|---|';
  const body = rows.map(
    (r) => `| ${r.fig} | ${r.metric} | ${fmt(r.value)} | ${r.unit} | ${ratioText(r)} | ${r.aim ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} |`,
  );
  return [head, sep, ...body].join('\n');
}

export function writeReport(report: Report): string {
  const dir = join(ROOT, '.bench');
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const file = join(dir, `results-${stamp}.json`);
  const text = JSON.stringify(report, null, 2);
  writeFileSync(file, text);
  writeFileSync(join(dir, 'latest.json'), text);
  if (report.mode === 'full') writeFileSync(join(dir, 'latest-full.json'), text);
  else writeFileSync(join(dir, 'latest-quick.json'), text);
  return file;
}
