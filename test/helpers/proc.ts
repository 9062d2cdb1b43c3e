// Process manager for tests and the fault suite: the product's worker and API run as real child
// processes (`node --import tsx`, not the tsx CLI, which would put a second process between the
// test and the product and swallow SIGKILL), in their own process group, with stdout/stderr kept
// line by line and, when a log folder is given, written to <logDir>/<name>.<n>.log.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ProcSpec {
  /** Short name used in log file names and reports (`worker-a`, `api`). */
  name: string;
  /** Script relative to the project root, run with `node --import tsx`. */
  script: string;
  /** Instead of `--import tsx script`: node's arguments as given (compiled dist/ entry points), run in `cwd`. */
  compiled?: { args: string[]; cwd: string };
  env: Record<string, string>;
  /** Folder for the captured logs; none are written without it. */
  logDir?: string;
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
  private exitWaiters = new Set<(info: ExitInfo) => void>();
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
    const file = this.spec.logDir ? join(this.spec.logDir, `${this.name}.${this.generation}.log`) : undefined;
    if (file) this.logFiles.push(file);
    this.log = file ? createWriteStream(file) : undefined;
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
        log?.write(b);
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
        setTimeout(() => log?.end(), 50);
        for (const w of this.exitWaiters) w(info);
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

  /**
   * Resolves with the first line matching (already captured ones too, unless `past: false`); rejects
   * after `timeoutMs`, or as soon as the process exits without having printed one.
   */
  waitForLine(re: RegExp, timeoutMs = 30_000, opts: { past?: boolean } = {}): Promise<string> {
    if (opts.past !== false) {
      const hit = this.lines.find((l) => re.test(l));
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== on);
        this.exitWaiters.delete(onExit);
      };
      const recent = () => this.lines.slice(-15).join('\n');
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no log line matching ${re} within ${timeoutMs} ms; last lines:\n${recent()}`));
      }, timeoutMs);
      const on = (line: string) => {
        if (!re.test(line)) return;
        done();
        resolve(line);
      };
      const onExit = (info: ExitInfo) => {
        done();
        reject(new Error(`${this.name} exited (${info.code ?? info.signal}) before printing ${re}; last lines:\n${recent()}`));
      };
      this.listeners.push(on);
      this.exitWaiters.add(onExit);
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

  /** Sends `signal` to the process group and resolves with the exit code (null when a signal ended it). */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.running) return this.exits.at(-1)?.code ?? null;
    this.expectingExit = true;
    this.signalGroup(signal);
    return (await this.exitPromise!).code;
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
