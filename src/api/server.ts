// `npm run api`: the HTTP API as a process. It only talks to Postgres and Temporal; activities run
// in workers. Temporal is connected lazily, so the API starts (and /readyz says what is down) even
// when Temporal is not up yet.
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createPool } from '../db/pool.js';
import { createLogger, type Logger } from '../logger.js';
import { createApp } from './app.js';
import { createApiMetrics } from '../metrics/api-metrics.js';

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Builds the dependencies from config and listens; close() stops accepting, drains, disconnects. */
export async function startApiServer(config: Config, logger: Logger): Promise<RunningApi> {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.PG_POOL_MAX, applicationName: 'backfill-api' });
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({ config, pool, temporal, logger, metrics: createApiMetrics({ pool }) });

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: config.API_HOST, port: config.API_PORT }, () => resolve(s));
    s.once('error', reject);
  });
  keepConnectionsLonger(server as Server);
  answerClientErrors(server);
  const port = (server.address() as AddressInfo).port;
  const host = config.API_HOST === '0.0.0.0' || config.API_HOST === '::' ? '127.0.0.1' : config.API_HOST;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive sockets would hold close() open until they time out.
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await Promise.allSettled([pool.end(), connection.close()]);
    },
  };
}

/**
 * How long the server keeps an idle keep-alive connection. Node's default (5 s) is shorter than what
 * clients and proxies keep theirs (Node's and undici's agents 4-5 s, most load balancers 60 s): a
 * client that reuses a connection just as the server times it out gets ECONNRESET. The server side
 * must outlast every client, so that closing an idle connection is always the client's move.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function keepConnectionsLonger(server: Server) {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Kept above keepAliveTimeout, the usual pairing: the headers timer of a kept connection has
  // cut it early before (nodejs/node#27363, #58140).
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
}

/**
 * Requests Node's parser refuses before Hono sees them (headers or URL over 16 KB, broken framing)
 * still get the API's JSON error shape rather than a bare status line.
 */
function answerClientErrors(server: ServerType) {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, code, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'headers_too_large', 'request headers or URL too large (16 KB); send long symbol lists in a JSON body']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'request_timeout', 'the request took too long to arrive']
          : [400, 'Bad Request', 'invalid_request', 'malformed HTTP request'];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config, { base: { component: 'api' } });
  const api = await startApiServer(config, logger);
  logger.info({ url: api.url, host: config.API_HOST, port: api.port, auth: config.apiKeys.length > 0 }, 'api listening');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    // In-flight requests get a bounded grace period; a stuck one must not keep the process alive.
    const force = setTimeout(() => {
      logger.warn('api did not stop within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    api.close().then(
      () => {
        logger.info('api stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'api stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

// Run only as the entry point, so tests can import startApiServer.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
