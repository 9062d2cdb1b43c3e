// Human-readable views of API answers: the status block, the one-line live progress, the summary.
import {
  bar,
  decimal,
  duration,
  elapsedSeconds,
  int,
  localTime,
  paint,
  paintStatus,
  pct,
  statusColour,
  truncate,
  visibleLength,
  type Style,
} from './format.js';
import { FINAL_JOB_STATUSES, type FailureJson, type StatusResponse, type UnitCountsJson } from './types.js';

export function unitCounts(s: StatusResponse): UnitCountsJson {
  const u = s.units ?? {};
  const n = (v: number | undefined) => (typeof v === 'number' ? v : 0);
  return {
    total: n(u.total),
    pending: n(u.pending),
    running: n(u.running),
    completed: n(u.completed),
    failed: n(u.failed),
    cancelled: n(u.cancelled),
  };
}

function unitsPhrase(style: Style, u: UnitCountsJson): string {
  const parts = [`${int(u.completed)}/${int(u.total)} completed`];
  if (u.failed) parts.push(paint(style, 'red', `${int(u.failed)} failed`));
  if (u.running) parts.push(`${int(u.running)} running`);
  if (u.pending) parts.push(`${int(u.pending)} pending`);
  if (u.cancelled) parts.push(paint(style, 'magenta', `${int(u.cancelled)} cancelled`));
  return parts.join(' · ');
}

function ratePhrase(s: StatusResponse): string {
  const bps = s.rate?.bars_per_second;
  const upm = s.rate?.units_per_minute;
  return `${int(bps)} bars/s · ${decimal(upm)} units/min`;
}

function failureLine(style: Style, f: FailureJson): string {
  return `${paint(style, 'bold', f.symbol)} ${f.timeframe}  ${paint(style, 'red', f.code)}  ${f.message}`;
}

function currentPhrase(s: StatusResponse): string {
  if (!s.current_symbol) return '—';
  return s.current_timeframe ? `${s.current_symbol} ${s.current_timeframe}` : s.current_symbol;
}

/** The `status` command's block. */
export function renderStatus(s: StatusResponse, style: Style, now: number): string {
  const u = unitCounts(s);
  const label = (l: string) => paint(style, 'dim', l.padEnd(10));
  const final = FINAL_JOB_STATUSES.includes(s.status);
  const live = s.live === false && !final ? paint(style, 'yellow', '  (not live: figures from Postgres; no worker answered)') : '';
  const paused = s.paused && s.status !== 'paused' ? paint(style, 'yellow', '  paused') : '';
  const scope = [
    s.symbols_total !== undefined ? `${int(s.symbols_total)} symbol${s.symbols_total === 1 ? '' : 's'}` : null,
    s.timeframes?.length ? s.timeframes.join(',') : null,
    s.date_range ? `${s.date_range.start_date} → ${s.date_range.end_date}` : null,
    s.adjusted === undefined ? null : s.adjusted ? 'adjusted' : 'unadjusted',
    s.concurrency ? `concurrency ${s.concurrency}` : null,
  ].filter(Boolean);
  const lines = [
    `${label('job')}${paint(style, 'bold', s.job_id)}  ${paintStatus(style, s.status)}${paused}${live}`,
    ...(scope.length ? [`${label('scope')}${scope.join(' · ')}`] : []),
    `${label('progress')}${bar((s.progress_pct ?? 0) / 100, 30)} ${pct(s.progress_pct)}`,
    `${label('units')}${unitsPhrase(style, u)}`,
    `${label('bars')}${int(s.total_records_fetched)} fetched · ${int(s.total_records_inserted)} new`,
    ...(s.sessions_skipped ? [`${label('skipped')}${savedPhrase(s)}`] : []),
    `${label('rate')}${ratePhrase(s)}`,
    `${label('time')}elapsed ${duration(elapsedSeconds(s.started_at ?? s.created_at, s.completed_at, now))}${
      final ? '' : ` · left ${s.paused ? '— (paused)' : duration(s.eta_seconds)}`
    }`,
  ];
  if (!final) lines.push(`${label('current')}${currentPhrase(s)}`);
  lines.push(
    `${label('created')}${localTime(s.created_at)}  started ${localTime(s.started_at)}  completed ${localTime(s.completed_at)}`,
  );
  if (s.error) lines.push(`${label('error')}${paint(style, 'red', s.error)}`);
  const failures = s.failures ?? [];
  if (failures.length) {
    lines.push(`${label('failures')}${failureLine(style, failures[0]!)}`);
    for (const f of failures.slice(1, 10)) lines.push(`${' '.repeat(10)}${failureLine(style, f)}`);
    if (failures.length > 10 || s.failures_truncated) lines.push(`${' '.repeat(10)}… more: backfill status ${s.job_id} --json`);
  }
  if (s.retry_deadline) lines.push(`${label('retry')}open until ${localTime(s.retry_deadline)}: backfill retry ${s.job_id}`);
  if (s.temporal_ui_url) lines.push(`${label('temporal')}${s.temporal_ui_url}`);
  return lines.join('\n');
}

/** One line for a TTY, redrawn in place; fits `columns`. */
export function renderProgressLine(s: StatusResponse, style: Style, columns: number): string {
  const u = unitCounts(s);
  const done = u.completed + u.failed + u.cancelled;
  const final = FINAL_JOB_STATUSES.includes(s.status);
  const head = `${paint(style, statusColour(s.status), s.status.padEnd(9))} `;
  const tail = [
    ` ${pct(s.progress_pct).padStart(6)}`,
    `units ${int(done)}/${int(u.total)}${u.failed ? paint(style, 'red', ` (${int(u.failed)} failed)`) : ''}`,
    `bars ${int(s.total_records_fetched)} (${int(s.total_records_inserted)} new)`,
    `${int(s.rate?.bars_per_second)} bars/s`,
    `${decimal(s.rate?.units_per_minute)} units/min`,
    final ? 'done' : `left ${duration(s.eta_seconds)}`,
  ];
  if (s.current_symbol && !final) tail.push(currentPhrase(s));
  const rest = tail.join('  ');
  const barWidth = Math.max(10, Math.min(40, columns - visibleLength(head) - visibleLength(rest) - 1));
  const line = `${head}${paint(style, s.status === 'running' ? 'cyan' : 'gray', bar((s.progress_pct ?? 0) / 100, barWidth, true))}${rest}`;
  if (visibleLength(line) <= columns) return line;
  // Too narrow: drop colour rather than cut an escape sequence in half.
  const plain = `${s.status.padEnd(9)} ${bar((s.progress_pct ?? 0) / 100, 10, true)}${rest}`;
  return truncate(plain, Math.max(20, columns - 1));
}

/** One line per change when stdout is not a terminal (logs, CI, pipes). */
export function renderPlainLine(s: StatusResponse, now: number): string {
  const u = unitCounts(s);
  const t = new Date(now).toISOString().slice(11, 19);
  const parts = [
    `[${t}]`,
    s.status,
    pct(s.progress_pct),
    `units ${int(u.completed)}/${int(u.total)} completed${u.failed ? `, ${int(u.failed)} failed` : ''}${u.running ? `, ${int(u.running)} running` : ''}`,
    `bars ${int(s.total_records_fetched)} fetched, ${int(s.total_records_inserted)} new`,
    `${int(s.rate?.bars_per_second)} bars/s`,
    `${decimal(s.rate?.units_per_minute)} units/min`,
    FINAL_JOB_STATUSES.includes(s.status) ? 'done' : `left ${duration(s.eta_seconds)}`,
  ];
  if (s.current_symbol && !FINAL_JOB_STATUSES.includes(s.status)) parts.push(`at ${currentPhrase(s)}`);
  return parts.join('  ');
}

/** What a plain line says, minus clock and rates: a new line is printed only when this changes. */
export function progressFingerprint(s: StatusResponse): string {
  const u = unitCounts(s);
  return [s.status, s.paused, s.progress_pct, u.completed, u.failed, u.running, u.cancelled, s.total_records_fetched].join('|');
}

/** The end of `watch`: how it went and what to do next. */
export function renderSummary(s: StatusResponse, style: Style, now: number): string {
  const u = unitCounts(s);
  const took = elapsedSeconds(s.started_at ?? s.created_at, s.completed_at, now);
  const secs = took && took > 0 ? took : null;
  const avg = secs ? s.total_records_fetched / secs : null;
  const label = (l: string) => paint(style, 'dim', l.padEnd(10));
  const lines = [
    `${paint(style, 'bold', `Job ${s.job_id}`)} ${paintStatus(style, s.status)} in ${duration(took)}`,
    `${label('units')}${unitsPhrase(style, u)}`,
    `${label('bars')}${int(s.total_records_fetched)} fetched · ${int(s.total_records_inserted)} new${avg !== null ? ` · ${int(avg)} bars/s average` : ''}`,
    ...(s.sessions_skipped ? [`${label('skipped')}${savedPhrase(s)}`] : []),
  ];
  const failures = s.failures ?? [];
  if (failures.length) {
    lines.push(`${label('failures')}${failureLine(style, failures[0]!)}`);
    for (const f of failures.slice(1, 10)) lines.push(`${' '.repeat(10)}${failureLine(style, f)}`);
    if (failures.length > 10) lines.push(`${' '.repeat(10)}… ${failures.length - 10} more`);
  }
  if (u.failed > 0 && s.status !== 'cancelled') {
    const until = s.retry_deadline ? `; the job takes retries until ${localTime(s.retry_deadline)}` : '';
    lines.push(`${label('next')}backfill retry ${s.job_id}   (after fixing the cause${until})`);
  }
  if (s.temporal_ui_url) lines.push(`${label('temporal')}${s.temporal_ui_url}`);
  return lines.join('\n');
}

/** What reprocess "missing" left out: "61 sessions already stored · 2 requests saved". */
function savedPhrase(s: StatusResponse): string {
  const saved = s.requests_saved ?? 0;
  return `${int(s.sessions_skipped ?? 0)} sessions already stored · ${int(saved)} Polygon request${saved === 1 ? '' : 's'} saved`;
}
