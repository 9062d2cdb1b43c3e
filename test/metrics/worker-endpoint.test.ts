// The worker's endpoint on its own: it serves the product's metrics even when the SDK's exporter does
// not answer (and says so), reports health from the worker's state, and a taken port costs the
// metrics, not the worker.
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '../../src/logger.js';
import { createIngestMetrics } from '../../src/metrics/ingest-metrics.js';
import { freeLoopbackPort } from '../../src/metrics/sdk-runtime.js';
import { serveWorkerMetrics, startWorkerEndpoint, type WorkerEndpoint } from '../../src/metrics/worker-endpoint.js';
import { parseSamples, total } from './scrape.js';

const open: { close(): Promise<void> | void }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

async function fakeSdkExporter(body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ close: () => new Promise<void>((r) => server.close(() => r())) });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/metrics`, server };
}

async function serve(o: { sdkMetricsUrl: string; healthy: () => boolean; registry?: Registry }): Promise<{ ep: WorkerEndpoint; url: string; registry: Registry }> {
  const registry = o.registry ?? new Registry();
  const ep = await serveWorkerMetrics({ registry, sdkMetricsUrl: o.sdkMetricsUrl, healthy: o.healthy, host: '127.0.0.1', port: 0, sdkTimeoutMs: 500 });
  open.push(ep);
  return { ep, url: `http://127.0.0.1:${ep.port}`, registry };
}

describe('worker metrics endpoint', () => {
  it('serves the product registry followed by the SDK scrape', async () => {
    const sdk = await fakeSdkExporter('# TYPE temporal_worker_start counter\ntemporal_worker_start{namespace="default"} 1\n');
    const registry = new Registry();
    const m = createIngestMetrics(registry);
    m.pageWritten({ timeframe: '1d', fetched: 10, inserted: 7, seconds: 0.01, path: 'fallback' });
    m.polygonRequest({ status: 0, ms: 5, bytes: 0, path: '/v2/aggs', kind: 'aggs' });
    m.validationViolations([{ rule: 'high_below_low' }, { rule: 'high_below_low' }]);
    const { url } = await serve({ sdkMetricsUrl: sdk.url, healthy: () => true, registry });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const s = parseSamples(await res.text());
    expect(total(s, 'backfill_bars_fetched_total', { timeframe: '1d' })).toBe(10);
    expect(total(s, 'backfill_bars_inserted_total', { timeframe: '1d' })).toBe(7);
    expect(total(s, 'backfill_pages_written_total', { path: 'fallback' })).toBe(1);
    expect(total(s, 'backfill_polygon_requests_total', { endpoint: 'aggs', status: 'no_response' })).toBe(1);
    expect(total(s, 'backfill_validation_violations_total', { rule: 'high_below_low' })).toBe(2);
    expect(total(s, 'temporal_worker_start')).toBe(1);
    expect(total(s, 'backfill_sdk_metrics_up')).toBe(1);
  });

  it('still answers, with backfill_sdk_metrics_up 0, when the SDK exporter is down; health follows the worker', async () => {
    const deadPort = await freeLoopbackPort();
    let running = false;
    const { url } = await serve({ sdkMetricsUrl: `http://127.0.0.1:${deadPort}/metrics`, healthy: () => running });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(total(parseSamples(await res.text()), 'backfill_sdk_metrics_up')).toBe(0);
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    running = true;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/other`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('a taken port is logged and leaves the worker running without an endpoint', async () => {
    const { ep } = await serve({ sdkMetricsUrl: 'http://127.0.0.1:1/metrics', healthy: () => true });
    const lines: string[] = [];
    const destination = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const logger = createLogger({ LOG_LEVEL: 'info' }, { destination });
    const second = await startWorkerEndpoint({ WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: ep.port }, logger, {
      registry: new Registry(),
      sdkMetricsUrl: 'http://127.0.0.1:1/metrics',
      healthy: () => true,
    });
    expect(second).toBeUndefined();
    expect(lines.join('')).toMatch(/"msg":"metrics endpoint could not listen; running without it"/);
    expect(lines.join('')).toContain('EADDRINUSE');
  });
});
