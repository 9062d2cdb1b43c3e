// Process manager: the product's worker and API run as real child processes (`node --import tsx`,
// one OS process each, so SIGKILL kills exactly what a crash would), in their own process group,
// with stdout/stderr captured line by line into .artifacts/faults/<scenario>/<name>.<n>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export interface ProcSpec {
  /** Short name used in log file names and reports (`worker-a`, `api`). */
  name: string;
  /** Script relative to the project root, run with `node --import tsx`. */
  script: string;
  /** Instead of `--import tsx script`: node's arguments as given (compiled dist/ entry points), run in `cwd`. */
  compiled?: { args: string[]; cwd: string };
  env: Record<string, string>;
  /** Folder for the captured logs. */
  logDir: string;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the suite asked for it (kill9/stop); false for a crash nobody asked for. */
  expected: boolean;
  at: number;
}

const live = new Set<ManagedProcess>();

// A test that fails half-way must not leave product processes running behind the suite.
process.once('exit', () => {
  for (const p of live) p.killNow();
});

/** Variables passed through from the suite's environment; everything else is explicit. */
const PASS_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'TEMPORAL_CLI', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS'];

export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of PASS_THROUGH) if (process.env[k]) env[k] = process.env[k]!;
  // Debugging aid: node options for the product's processes only (e.g. --cpu-prof, or --import of
  // a preload that tries a candidate fix before it lands), never for the suite itself.
  if (process.env.FAULTS_PRODUCT_NODE_OPTIONS) env.NODE_OPTIONS = process.env.FAULTS_PRODUCT_NODE_OPTIONS;
  return env;
}

export class ManagedProcess {
  readonly spec: ProcSpec;
  /** Every line of every generation, in order (both streams), for waits and secret scans. */
  readonly lines: string[] = [];
  readonly exits: ExitInfo[] = [];
  /** 1 for the first start, +1 per restart. */
  generation = 0;
  child: ChildProcess | undefined;
  startedAt = 0;
  private log: WriteStream | undefined;
  private expectingExit = false;
  private exitPromise: Promise<ExitInfo> | undefined;
  private listeners: Array<(line: string) => void> = [];
  readonly logFiles: string[] = [];

  constructor(spec: ProcSpec) {
    this.spec = spec;
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Crashes nobody asked for (exits while the suite was not stopping or killing it). */
  get unexpectedExits(): ExitInfo[] {
    return this.exits.filter((e) => !e.expected);
  }

  start(envPatch: Record<string, string> = {}): this {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.generation++;
    const env = { ...this.spec.env, ...envPatch };
    const file = join(this.spec.logDir, `${this.name}.${this.generation}.log`);
    this.logFiles.push(file);
    this.log = createWriteStream(file);
    this.expectingExit = false;
    this.startedAt = Date.now();
    const { args, cwd } = this.spec.compiled ?? { args: ['--import', 'tsx', join(projectRoot, this.spec.script)], cwd: projectRoot };
    const child = spawn(process.execPath, args, {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    const log = this.log;
    for (const stream of [child.stdout!, child.stderr!]) {
      let buf = '';
      stream.on('data', (b: Buffer) => {
        log.write(b);
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
      stream.on('end', () => {
        if (buf) this.push(buf);
        buf = '';
      });
    }
    this.exitPromise = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        const info: ExitInfo = { code, signal, expected: this.expectingExit, at: Date.now() };
        this.exits.push(info);
        live.delete(this);
        // Let the pipes drain before closing the log.
        setTimeout(() => log.end(), 50);
        resolve(info);
      });
    });
    live.add(this);
    return this;
  }

  private push(line: string) {
    this.lines.push(line);
    for (const l of this.listeners) l(line);
  }

  /** Resolves with the first line (from now on, or already captured in this generation when `past`) matching. */
  waitForLine(re: RegExp, timeoutMs: number, opts: { past?: boolean } = {}): Promise<string> {
    if (opts.past) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== on);
        reject(new Error(`${this.name}: no log line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join('\n')}`));
      }, timeoutMs);
      const on = (line: string) => {
        if (!re.test(line)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== on);
        resolve(line);
      };
      this.listeners.push(on);
    });
  }

  /** SIGKILL to the whole process group: no shutdown hook, no flush, exactly a crash. */
  async kill9(): Promise<ExitInfo | undefined> {
    if (!this.running) return undefined;
    this.expectingExit = true;
    this.signalGroup('SIGKILL');
    return this.exitPromise;
  }

  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<ExitInfo | undefined> {
    if (!this.running) return undefined;
    this.expectingExit = true;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    const info = await this.exitPromise;
    clearTimeout(timer);
    return info;
  }

  async restart(envPatch: Record<string, string> = {}): Promise<this> {
    await this.kill9();
    return this.start(envPatch);
  }

  /** Synchronous last-resort kill (process exit hook). */
  killNow(): void {
    if (this.running) this.signalGroup('SIGKILL');
  }

  /** Resolves when the current generation exits (for crashes nobody asked for). */
  exited(): Promise<ExitInfo> {
    if (!this.exitPromise) throw new Error(`${this.name} never started`);
    return this.exitPromise;
  }

  private signalGroup(sig: NodeJS.Signals) {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        this.child?.kill(sig);
      } catch {
        /* already gone */
      }
    }
  }
}

/** Stops every process the suite started that is still running (afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop(5_000)));
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Thrown inside a waitUntil predicate to give up at once (the awaited state can no longer come). */
export class StopWaiting extends Error {}

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}
