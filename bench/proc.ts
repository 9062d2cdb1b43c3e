// Runs the product's worker and API as child processes: compiled JavaScript with plain `node` (what
// `npm run start:worker` / `start:api` run in production), or a TypeScript source under
// `node --import tsx <entry>` (the same code path as `tsx src/worker.ts` but one process, so the pid
// we sample is the service itself). Keeps the tail of their output, hands every log line to
// listeners, and samples memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

export interface ServiceOptions {
  name: string;
  /** Entry file relative to the project root (or absolute): src/worker.ts runs under tsx, a .js file with plain node. */
  entry: string;
  env: Record<string, string>;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Echo output to the bench's stderr. */
  verbose?: boolean;
}

export interface MemSample {
  rssKb: number;
  hwmKb: number;
}

export function readMem(pid: number): MemSample | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(s);
    const hwm = /VmHWM:\s+(\d+)/.exec(s);
    return { rssKb: Number(rss?.[1] ?? 0), hwmKb: Number(hwm?.[1] ?? 0) };
  } catch {
    return undefined;
  }
}

/** Total CPU time (user + system) of a process in ms, from /proc/<pid>/stat. */
export function readCpuMs(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (clock ticks, 100 Hz on Linux)
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

export class Service {
  readonly child: ChildProcess;
  private tail: string[] = [];
  private listeners = new Set<(line: string) => void>();
  private exitCode: number | null | undefined;
  private peakRssKb = 0;
  private timer: NodeJS.Timeout;
  readonly exited: Promise<number | null>;

  constructor(readonly opts: ServiceOptions) {
    const loader = opts.entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, opts.entry], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => ((this.exitCode = code), r(code))));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let buf = '';
      stream?.on('data', (b: Buffer) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (this.tail.length >= 200) this.tail.shift();
          this.tail.push(line);
          if (opts.verbose) process.stderr.write(`[${opts.name}] ${line}\n`);
          for (const l of this.listeners) l(line);
        }
      });
    }
    // VmHWM is the kernel's own peak; the sampled VmRSS max is a cross-check and survives a reset.
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  output(): string {
    return this.tail.join('\n');
  }

  onLine(fn: (line: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private sample() {
    const m = readMem(this.pid);
    if (m && m.rssKb > this.peakRssKb) this.peakRssKb = m.rssKb;
  }

  /** Starts a new memory phase: resets the kernel's VmHWM (clear_refs 5) and the sampled peak. */
  resetPeak(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
    } catch {
      /* not permitted: VmHWM then stays the lifetime peak */
    }
    this.peakRssKb = readMem(this.pid)?.rssKb ?? 0;
  }

  /** Peak RSS (MB) since the last resetPeak(): the larger of VmHWM and the sampled VmRSS max. */
  peakMb(): { hwmMb: number; sampledMb: number; rssNowMb: number } {
    this.sample();
    const m = readMem(this.pid);
    return { hwmMb: (m?.hwmKb ?? 0) / 1024, sampledMb: this.peakRssKb / 1024, rssNowMb: (m?.rssKb ?? 0) / 1024 };
  }

  cpuMs(): number {
    return readCpuMs(this.pid) ?? NaN;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code. */
  async stop(graceMs = 15_000): Promise<number | null> {
    clearInterval(this.timer);
    if (!this.alive) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }
}
