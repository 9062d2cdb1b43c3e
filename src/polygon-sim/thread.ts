import { parentPort, workerData } from 'node:worker_threads';
import { serveSim } from './server.js';
import { type SharedBuffers, SharedSimState } from './shared.js';

export interface ThreadData {
  buffers: SharedBuffers;
  host: string;
  port: number;
  cacheBytes?: number;
}

export type ThreadMessage = { type: 'listening'; port: number } | { type: 'error'; message: string; code?: string } | { type: 'closed' };

/** Worker-thread side of startPolygonSim: serve until told to close. */
export async function runSimThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('runSimThread must run in a worker thread');
  const data = workerData as ThreadData;
  const post = (m: ThreadMessage): void => port.postMessage(m);
  let server;
  try {
    server = await serveSim(new SharedSimState(data.buffers), { host: data.host, port: data.port, cacheBytes: data.cacheBytes });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post({ type: 'error', message: err.message, code: err.code });
    return;
  }
  port.on('message', (m: { type: string }) => {
    if (m.type === 'close') {
      void server.close().then(() => {
        post({ type: 'closed' });
        port.close();
      });
    }
  });
  post({ type: 'listening', port: server.port });
}
