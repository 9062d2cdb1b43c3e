import type { Config } from '../src/config.js';
import type { Pool } from '../src/db/pool.js';
import type { RateLimiter } from '../src/db/rate-limiter.js';
import type { Logger } from '../src/logger.js';
import type { IngestMetrics } from '../src/metrics/ingest-metrics.js';
import type { PolygonClient } from '../src/polygon/index.js';
import type { WebhookConfig } from './webhook.js';

export type UnitConfig = Pick<Config, 'UNIT_DEADLINE_SECONDS' | 'UNIT_HEARTBEAT_TIMEOUT_SECONDS'> & Partial<Pick<Config, 'COVERAGE_SETTLE_MINUTES' | 'INGEST_COVERAGE'>>;

/** Everything the activities touch, injected once per worker: no module-level state. */
export interface ActivityDeps {
  pool: Pool;
  polygon: PolygonClient;
  /** Already wired into `polygon` as its beforeRequest hook; here for activities that call Polygon otherwise. */
  limiter: RateLimiter;
  /** INGEST_COVERAGE is optional: absent means on (it is a measurement switch, see src/config.ts). */
  config: UnitConfig & WebhookConfig;
  logger: Logger;
  metrics: IngestMetrics;
}

/** Per-unit activity timing, from the worker's config, recorded in history by initJob. */
export interface UnitSettings {
  unitDeadlineSeconds: number;
  heartbeatTimeoutSeconds: number;
}

export const unitSettings = (config: UnitConfig): UnitSettings => ({
  unitDeadlineSeconds: config.UNIT_DEADLINE_SECONDS,
  heartbeatTimeoutSeconds: config.UNIT_HEARTBEAT_TIMEOUT_SECONDS,
});
