import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
// @ts-expect-error plain ESM helper shared with npm scripts, no type declarations
import { ensureTemporalCli } from '../../scripts/temporal-cli.mjs';
import { SEARCH_ATTRIBUTE_FLAGS } from './search-attributes.js';

export interface DevServerOptions {
  port?: number;
  /** Web UI port; `null` runs headless. */
  uiPort?: number | null;
  /** SQLite file that keeps workflows across restarts; in-memory when absent. */
  dbFile?: string;
  dynamicConfig?: Record<string, unknown>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the server's output goes; ignored when absent. */
  onOutput?: (chunk: string) => void;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  port: number;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

/** Starts `temporal server start-dev` with the project's search attributes and waits until it serves. */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const cli: string = ensureTemporalCli();
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', opts.logLevel ?? 'error'];
  if (opts.uiPort === null || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort));
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  for (const [k, t] of Object.entries(SEARCH_ATTRIBUTE_FLAGS)) args.push('--search-attribute', `${k}=${t}`);
  for (const [k, v] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${k}=${JSON.stringify(v)}`);

  // Its own process group, so that stopping it never leaves the UI server behind.
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  const onData = (b: Buffer) => {
    const s = b.toString();
    if (output.length < 200) output.push(s);
    opts.onOutput?.(s);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  // Its own process group also means no terminal hang-up or Ctrl-C reaches it: if this process
  // exits without stop() (an uncaught error, process.exit), it takes the server along. Only
  // SIGKILL of this process can still orphan it.
  const killGroup = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);
  child.once('exit', () => {
    exited = true;
    process.removeListener('exit', killGroup);
  });

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await portOpen(port))) {
    if (exited) throw new Error(`temporal server start-dev exited early:\n${output.join('')}`);
    if (Date.now() > deadline) {
      signalGroup(child, 'SIGKILL');
      throw new Error(`temporal server start-dev did not listen on ${port} in time:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The frontend accepts connections before the namespace is ready; a tiny grace avoids a first-call race.
  await new Promise((r) => setTimeout(r, 300));

  return {
    address: `127.0.0.1:${port}`,
    port,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    process: child,
    async stop() {
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** The server and everything it started (the UI server): the whole process group. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}
