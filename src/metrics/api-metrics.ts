import { Counter, Histogram, type Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { createProcessRegistry } from './registry.js';

/** What the API counts; createApp takes it through AppDeps and serves `registry` at /metrics. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** `route` is the matched pattern (`/api/jobs/:job_id`), never the raw path: bounded label values. */
  request(r: { method: string; route: string; status: number; seconds: number }): void;
  /** A GET /status answer: `hit` when the shared cache served it without starting a load. */
  statusLookup(hit: boolean): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** On `registry` when given (tests), else on a new process registry with the pool's gauges. */
export function createApiMetrics(opts: { pool: Pool; registry?: Registry }): ApiMetrics {
  const registry = opts.registry ?? createProcessRegistry(opts.pool);
  const registers = [registry];
  const labelNames = ['method', 'route', 'status'] as const;
  const count = new Counter({ name: 'backfill_http_requests_total', help: 'API requests by method, route and status', labelNames, registers });
  const latency = new Histogram({ name: 'backfill_http_request_duration_seconds', help: 'API request duration by method, route and status', labelNames, buckets: LATENCY_BUCKETS, registers });
  const lookups = new Counter({ name: 'backfill_status_cache_lookups_total', help: 'GET /status answers by cache result (hit: served without starting a Postgres load)', labelNames: ['result'], registers });
  return {
    registry,
    request({ method, route, status, seconds }) {
      const labels = { method, route, status: String(status) };
      count.inc(labels);
      latency.observe(labels, seconds);
    },
    statusLookup: (hit) => lookups.inc({ result: hit ? 'hit' : 'miss' }),
  };
}
