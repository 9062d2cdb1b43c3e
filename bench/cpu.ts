// Where the machine's CPU went during a measured interval: each of our processes (worker, API,
// simulator, Temporal server, the bench itself, the Postgres backends serving our database) and the
// rest of the machine (other users of this shared box), from /proc. Tells what bounds a figure.
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { readCpuMs } from './proc.js';

const TICK_MS = 10; // USER_HZ = 100

/** Machine-wide busy and total CPU time (ms, summed over cores) from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) * TICK_MS, total: total * TICK_MS };
}

export function loadAvg(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

async function backendPids(admin: pg.ClientBase, db: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> 'bench-ceiling'", [db]);
  return rows.map((r) => r.pid);
}

export interface CpuBreakdown {
  wallMs: number;
  /** Share of the machine's CPU capacity that was busy (100% = every core busy). */
  machineBusyPct: number;
  /** CPU ms per process group. `other` = machine busy minus everything we can attribute. */
  ms: Record<string, number>;
  /** Same in cores (ms / wall ms): 1.0 = one core busy for the whole interval. */
  cores: Record<string, number>;
  loadAvgStart: number;
  loadAvgEnd: number;
}

export interface CpuProbe {
  /** `extra`: CPU ms of our processes the probe cannot see (backends closed before stop). */
  stop(extra?: Record<string, number>): Promise<CpuBreakdown>;
}

export async function startCpuProbe(admin: pg.ClientBase, db: string, procs: Record<string, number | undefined>): Promise<CpuProbe> {
  const t0 = performance.now();
  const m0 = machineCpu();
  const la0 = loadAvg();
  const p0: Record<string, number> = {};
  for (const [k, pid] of Object.entries(procs)) if (pid) p0[k] = readCpuMs(pid) ?? 0;
  const b0 = new Map<number, number>();
  for (const pid of await backendPids(admin, db)) b0.set(pid, readCpuMs(pid) ?? 0);
  const self0 = process.cpuUsage();
  return {
    async stop(extra = {}) {
      const pidsNow = await backendPids(admin, db);
      const m1 = machineCpu();
      const wallMs = performance.now() - t0;
      const ms: Record<string, number> = {};
      for (const [k, pid] of Object.entries(procs)) if (pid && k in p0) ms[k] = (readCpuMs(pid) ?? p0[k]!) - p0[k]!;
      let pgMs = 0;
      for (const pid of pidsNow) {
        const now = readCpuMs(pid);
        if (now === undefined) continue;
        pgMs += now - (b0.get(pid) ?? 0);
      }
      ms.postgres = pgMs;
      for (const [k, v] of Object.entries(extra)) ms[k] = (ms[k] ?? 0) + v;
      const self = process.cpuUsage(self0);
      ms.bench = (self.user + self.system) / 1000;
      const busy = m1.busy - m0.busy;
      const ours = Object.values(ms).reduce((a, b) => a + b, 0);
      ms.other = Math.max(0, busy - ours);
      const cores: Record<string, number> = {};
      for (const [k, v] of Object.entries(ms)) cores[k] = Math.round((v / wallMs) * 100) / 100;
      return {
        wallMs,
        machineBusyPct: Math.round((busy / (m1.total - m0.total)) * 1000) / 10,
        ms,
        cores,
        loadAvgStart: la0,
        loadAvgEnd: loadAvg(),
      };
    },
  };
}
