// The API outlasts its clients on idle keep-alive connections: a server that closes an idle
// connection first races a client reusing it (ECONNRESET; the status-latency bench saw one in
// 7,006 requests with Node's 5 s default). Over real HTTP from the server `npm run api` runs.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { KEEP_ALIVE_TIMEOUT_MS, startApiServer, type RunningApi } from '../../src/api/server.js';

/** One GET on an open socket; resolves with the raw response head once the body (Content-Length) is in. */
function get(socket: Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (b: Buffer) => {
      buf += b.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length >= end + 4 + len) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(buf.slice(0, end));
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  });
}

describe('API keep-alive', () => {
  let api: RunningApi;

  beforeAll(async () => {
    // No database or Temporal needed: /healthz answers from the process alone.
    const config = loadConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', TEMPORAL_ADDRESS: '127.0.0.1:1', API_HOST: '127.0.0.1', API_PORT: '0', LOG_LEVEL: 'silent' });
    api = await startApiServer(config, createLogger(config));
  });
  afterAll(() => api?.close());

  it('announces a keep-alive timeout longer than clients and load balancers keep theirs (60 s)', async () => {
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    const socket = connect(api.port, '127.0.0.1');
    try {
      const head = await get(socket, '/healthz');
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      expect(head).toMatch(new RegExp(`keep-alive: timeout=${KEEP_ALIVE_TIMEOUT_MS / 1000}`, 'i'));
    } finally {
      socket.destroy();
    }
  });

  it('keeps an idle connection past Node\'s 5 s default and answers on it again', async () => {
    const socket = connect(api.port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    try {
      expect(await get(socket, '/healthz')).toMatch(/^HTTP\/1\.1 200/);
      // Node's default closes it at 5-6 s (idle timeout plus its check interval).
      await new Promise((r) => setTimeout(r, 8_000));
      expect(closed).toBe(false);
      expect(await get(socket, '/healthz')).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
  }, 20_000);
});
