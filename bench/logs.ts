// Taps a service's JSON log lines while a figure runs: counts by message and level, keeps the numeric
// fields of per-unit timing lines (the worker logs one "unit completed" line per unit), and the
// first few warnings and errors.
import type { Service } from './proc.js';

export interface LogSummary {
  lines: number;
  byMsg: Record<string, number>;
  warnings: number;
  errors: number;
  firstProblems: string[];
  /** Sums of every numeric field of "unit completed" lines. */
  unitSums: Record<string, number>;
  unitLines: number;
  /** Sums of numeric fields of any line that carries stage timers (fields ending in Ms). */
  stageSums: Record<string, number>;
}

export function tapLogs(svc: Service | undefined): () => LogSummary {
  const s: LogSummary = { lines: 0, byMsg: {}, warnings: 0, errors: 0, firstProblems: [], unitSums: {}, unitLines: 0, stageSums: {} };
  if (!svc) return () => s;
  const off = svc.onLine((line) => {
    s.lines++;
    if (line[0] !== '{') return;
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const msg = typeof j.msg === 'string' ? j.msg : '';
    s.byMsg[msg] = (s.byMsg[msg] ?? 0) + 1;
    const level = typeof j.level === 'number' ? j.level : 30;
    if (level >= 50) s.errors++;
    else if (level >= 40) s.warnings++;
    if (level >= 40 && s.firstProblems.length < 5) s.firstProblems.push(line.slice(0, 400));
    const isUnit = /unit completed/i.test(msg);
    if (isUnit) s.unitLines++;
    for (const [k, v] of Object.entries(j)) {
      if (typeof v !== 'number' || k === 'level' || k === 'pid' || k === 'time' || k === 'unitNo' || k === 'attempt') continue;
      if (isUnit) s.unitSums[k] = (s.unitSums[k] ?? 0) + v;
      if (/Ms$/.test(k)) s.stageSums[k] = (s.stageSums[k] ?? 0) + v;
    }
    // Nested stage objects, e.g. { stages: { fetchMs, parseMs, ... } }.
    for (const v of Object.values(j)) {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
          if (typeof x === 'number' && /Ms$/.test(k)) s.stageSums[k] = (s.stageSums[k] ?? 0) + x;
        }
      }
    }
  });
  return () => {
    off();
    return s;
  };
}
