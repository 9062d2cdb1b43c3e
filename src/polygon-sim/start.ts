import { Worker } from 'node:worker_threads';
import { checkOptions, mergeOptions, type SimOptions, type SimServeOptions } from './options.js';
import { serveSim, type SimServer } from './server.js';
import { SharedSimState, type SimStats } from './shared.js';
import type { ThreadData, ThreadMessage } from './thread.js';
import { BarSource } from './source.js';

export interface PolygonSim {
  url: string;
  port: number;
  close(): Promise<void>;
  stats(): SimStats;
  resetStats(): void;
  /** Changes options at runtime, effective from the next request; `faults` merges key by key. */
  setOptions(patch: Partial<SimOptions>): void;
  options(): SimOptions;
  /**
   * A bar source on the calling thread, for `expectedBars(..., sim.source)`: the data is deterministic,
   * so it equals what the server serves, and reusing it keeps one cache across checks.
   */
  readonly source: BarSource;
}

export interface StartSimOptions extends SimServeOptions {
  /**
   * Serve from a worker thread (default) so that generating and serializing bars never competes with
   * the caller's own thread (a client parsing pages in the same process, say). false serves from
   * the calling thread.
   */
  thread?: boolean;
}

function spawn(data: ThreadData): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(new URL('./thread-entry.mjs', import.meta.url), { workerData: data });
  return new Promise((resolve, reject) => {
    const onEarlyExit = (code: number): void => reject(new Error(`polygon-sim thread exited with code ${code} before listening`));
    worker.once('error', reject);
    worker.once('exit', onEarlyExit);
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'error') {
        const err = new Error(m.message) as NodeJS.ErrnoException;
        if (m.code) err.code = m.code;
        reject(err);
        void worker.terminate();
      } else if (m.type === 'listening') {
        worker.off('error', reject);
        worker.off('exit', onEarlyExit);
        // A thread that dies later is reported, not left to look like a silent hang.
        worker.on('error', (e) => process.emitWarning(`polygon-sim thread failed: ${e.message}`));
        let exited = false;
        worker.once('exit', () => (exited = true));
        resolve({
          port: m.port,
          close: () =>
            new Promise<void>((done) => {
              if (exited) return done();
              worker.once('exit', () => done());
              worker.on('message', (x: ThreadMessage) => {
                if (x.type === 'closed') void worker.terminate();
              });
              worker.postMessage({ type: 'close' });
            }),
        });
      }
    });
  });
}

/** Starts the simulator on `port` (default 0: any free port) and `host` (default 127.0.0.1). */
export async function startPolygonSim(opts: StartSimOptions = {}): Promise<PolygonSim> {
  const { port = 0, host = '127.0.0.1', cacheBytes, thread = true, ...initial } = opts;
  checkOptions(initial);
  const shared = new SharedSimState();
  shared.setOptions(initial, true);
  let server: SimServer;
  if (thread) {
    server = await spawn({ buffers: shared.buffers, host, port, cacheBytes });
  } else {
    server = await serveSim(shared, { host, port, cacheBytes });
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  let source: BarSource | null = null;
  return {
    get source(): BarSource {
      return (source ??= new BarSource({ cacheBytes: 64 * 1024 * 1024 }));
    },
    url: `http://${shownHost}:${server.port}`,
    port: server.port,
    stats: () => shared.stats(),
    resetStats: () => shared.reset(),
    setOptions: (patch) => shared.setOptions(mergeOptions(shared.options(), patch), patch.faults?.seed !== undefined),
    options: () => structuredClone(shared.options()),
    close: () => (closing ??= server.close()),
  };
}
