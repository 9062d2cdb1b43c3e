// The worker's one scrape target. The SDK's Prometheus exporter and prom-client cannot share a port
// (the exporter is a Rust HTTP server that serves only its own registry), and the SDK's metrics
// cannot be fed into prom-client without re-implementing its histograms over the experimental
// buffered exporter. So the SDK exports on a loopback port and this server answers /metrics with
// prom-client's registry followed by a fresh scrape of the SDK's: one target for Prometheus, one
// port to publish, and every name keeps its own family (ours are backfill_*, the SDK's temporal_*).
// /healthz answers 200 while the worker polls (the compose health check calls it).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

export interface WorkerEndpointOptions {
  registry: Registry;
  /** The SDK exporter's scrape URL (loopback). */
  sdkMetricsUrl: string;
  host: string;
  /** 0 picks a free port (tests); see `port` on the result. */
  port: number;
  /** True while the worker is running (polling its task queue). */
  healthy: () => boolean;
  /** How long a scrape waits for the SDK's exporter. */
  sdkTimeoutMs?: number;
}

export interface WorkerEndpoint {
  port: number;
  close(): Promise<void>;
}

export async function serveWorkerMetrics(o: WorkerEndpointOptions): Promise<WorkerEndpoint> {
  const sdkUp = new Gauge({ name: 'backfill_sdk_metrics_up', help: '1 when the last scrape of the Temporal SDK exporter succeeded', registers: [o.registry] });

  async function sdkScrape(): Promise<string> {
    try {
      const res = await fetch(o.sdkMetricsUrl, { signal: AbortSignal.timeout(o.sdkTimeoutMs ?? 2_000) });
      if (!res.ok) throw new Error(`status ${res.status}`);
      const text = await res.text();
      sdkUp.set(1);
      return text;
    } catch {
      // The product's own metrics are still worth serving; the gauge says the SDK's are missing.
      sdkUp.set(0);
      return '';
    }
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      void sdkScrape()
        .then(async (sdk) => `${await o.registry.metrics()}\n${sdk}`)
        .then(
          (body) => res.writeHead(200, { 'content-type': o.registry.contentType }).end(body),
          () => res.writeHead(500).end(),
        );
    } else if (path === '/healthz') {
      const ok = o.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'not_running' }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'try /metrics or /healthz' } }));
    }
  });
  // `once` rejects on 'error' (a taken port) as well.
  await once(server.listen(o.port, o.host), 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      const closed = once(server, 'close');
      server.close();
      server.closeIdleConnections();
      await closed;
    },
  };
}

/**
 * The endpoint on WORKER_METRICS_HOST:PORT. A port already taken (a second worker on the host)
 * costs the metrics, not the ingestion: the error is logged and the worker runs on; a health check
 * on the endpoint then reports it.
 */
export async function startWorkerEndpoint(
  config: Pick<Config, 'WORKER_METRICS_HOST' | 'WORKER_METRICS_PORT'>,
  logger: Logger,
  o: Pick<WorkerEndpointOptions, 'registry' | 'sdkMetricsUrl' | 'healthy'>,
): Promise<WorkerEndpoint | undefined> {
  try {
    return await serveWorkerMetrics({ ...o, host: config.WORKER_METRICS_HOST, port: config.WORKER_METRICS_PORT });
  } catch (err) {
    logger.error({ port: config.WORKER_METRICS_PORT, err: (err as Error).message }, 'metrics endpoint could not listen; running without it');
    return undefined;
  }
}
