// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by area (JSON parse,
// the product's parser and encoder, pg protocol, COPY stream, HTTP, Temporal SDK, GC, idle), and
// inclusive time of the product's own hot functions.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  byArea: { area: string; ms: number; pct: number }[];
  topSelf: { fn: string; ms: number; pct: number }[];
  topInclusive: { fn: string; ms: number; pct: number }[];
}

function shortUrl(url: string): string {
  if (!url) return '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const m = /\/(src|activities|workflows|bench)\/.*$/.exec(url);
  if (m) return m[0].slice(1);
  return url.replace(/^file:\/\//, '');
}

function area(cf: CallFrame): string {
  const u = cf.url;
  const f = cf.functionName;
  if (f === '(garbage collector)') return 'GC';
  if (f === '(idle)') return 'idle';
  if (f === '(program)') return 'V8/native (program)';
  if (!u && (f === 'parse' || f === 'JSONParse')) return 'JSON.parse';
  if (!u && f === 'stringify') return 'JSON.stringify';
  if (u.includes('/src/polygon/parse') || u.includes('/src/polygon/scan-aggs') || u.includes('/src/polygon/bar-columns')) return 'product: parse/validate bars';
  if (u.includes('/src/db/copy-binary')) return 'product: binary COPY encode';
  if (u.includes('/src/polygon/')) return 'product: polygon client';
  if (u.includes('/src/db/')) return 'product: db';
  if (u.includes('/activities/')) return 'product: activities';
  if (u.includes('/workflows/')) return 'product: workflows';
  if (u.includes('pg-copy-streams')) return 'pg-copy-streams';
  if (u.includes('pg-protocol') || u.includes('node_modules/pg/') || u.includes('pg-types') || u.includes('pg-pool')) return 'pg driver';
  if (u.includes('@temporalio')) return 'Temporal SDK';
  if (u.includes('pino') || u.includes('sonic-boom')) return 'logging';
  if (u.includes('node:internal/streams') || u.includes('node:stream')) return 'node streams';
  if (u.includes('node:_http') || u.includes('node:http') || u.includes('node:internal/http')) return 'node http';
  if (u.includes('node:net') || u.includes('node:internal/stream_base') || u.includes('node:internal/net')) return 'node net';
  if (u.includes('node:buffer') || u.includes('node:internal/buffer')) return 'node buffer';
  if (u.startsWith('node:')) return 'node other';
  if (!u) return `native: ${f || '(anonymous)'}`;
  return 'other JS';
}

export interface Window {
  /** process.hrtime in µs (the same CLOCK_MONOTONIC as V8's profile timestamps). */
  fromUs: number;
  toUs: number;
}

export function hrUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface Acc {
  files: string[];
  totalMs: number;
  idle: number;
  areas: Map<string, number>;
  fnSelf: Map<string, number>;
  fnIncl: Map<string, number>;
}

function accumulate(file: string, win: Window | undefined, acc: Acc): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let ts = p.startTime;
  const from = win?.fromUs ?? -Infinity;
  const to = win?.toUs ?? Infinity;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    ts += d;
    if (ts < from || ts > to) continue;
    const id = p.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + d / 1000);
  }
  acc.files.push(file);
  acc.totalMs += (Math.min(p.endTime, to) - Math.max(p.startTime, from)) / 1000;
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    const a = area(n.callFrame);
    if (a === 'idle') acc.idle += ms;
    acc.areas.set(a, (acc.areas.get(a) ?? 0) + ms);
    const key = `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    acc.fnSelf.set(key, (acc.fnSelf.get(key) ?? 0) + ms);
    // Inclusive: credit every distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      if (!cf.url) continue;
      const k = `${cf.functionName || '(anonymous)'} ${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
      if (seen.has(k)) continue;
      seen.add(k);
      acc.fnIncl.set(k, (acc.fnIncl.get(k) ?? 0) + ms);
    }
  }
}

/**
 * One summary over every thread's profile in `files` (the worker's main thread and the Temporal
 * SDK's workflow threads each write one), restricted to samples inside `win` when given.
 */
export function summarizeProfiles(files: string[], win?: Window, top = 20): ProfileSummary {
  const acc: Acc = { files: [], totalMs: 0, idle: 0, areas: new Map(), fnSelf: new Map(), fnIncl: new Map() };
  for (const f of files) accumulate(f, win, acc);
  const busyMs = acc.totalMs - acc.idle;
  const pct = (ms: number) => Math.round((ms / busyMs) * 1000) / 10;
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    file: acc.files.join(', '),
    totalMs: acc.totalMs,
    busyMs,
    byArea: sorted(acc.areas)
      .filter(([a]) => a !== 'idle')
      .map(([a, ms]) => ({ area: a, ms: Math.round(ms), pct: pct(ms) })),
    topSelf: sorted(acc.fnSelf)
      .filter(([k]) => !k.startsWith('(idle)'))
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms), pct: pct(ms) })),
    topInclusive: sorted(acc.fnIncl)
      .filter(([k]) => /(^| )(src|activities|workflows)\//.test(k))
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms), pct: pct(ms) })),
  };
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  return summarizeProfiles([file], undefined, top);
}

export function profilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

export function newestProfile(dir: string): string | undefined {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    return files.length ? join(dir, files[files.length - 1]!) : undefined;
  } catch {
    return undefined;
  }
}

export function renderProfile(s: ProfileSummary): string {
  const lines = [`CPU profile (${s.file.split(', ').length} thread(s)): ${Math.round(s.busyMs)} ms busy over ${Math.round(s.totalMs)} ms of thread time`, '  by area (self time, % of busy):'];
  for (const a of s.byArea.slice(0, 16)) lines.push(`    ${a.pct.toFixed(1).padStart(5)}%  ${String(a.ms).padStart(7)} ms  ${a.area}`);
  lines.push('  top functions (self):');
  for (const f of s.topSelf.slice(0, 15)) lines.push(`    ${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.fn}`);
  lines.push('  product functions (inclusive):');
  for (const f of s.topInclusive.slice(0, 12)) lines.push(`    ${f.pct.toFixed(1).padStart(5)}%  ${String(f.ms).padStart(7)} ms  ${f.fn}`);
  return lines.join('\n');
}
