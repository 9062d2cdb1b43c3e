import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { Links } from './presenters.js';
import type { StatusView } from './job-status-view.js';
import type { TemporalTimeouts, Workflows } from './temporal.js';

/** Everything the API talks to, passed in so tests can build an app around real or fake parts. */
export interface AppDeps {
  config: Config;
  pool: Pool;
  temporal: Client;
  logger: Logger;
  /** The clock for "not in the future" and for rates; tests pin it. */
  now?: () => Date;
  /** Deadlines of Temporal calls; tests that talk to a dead server shorten them. */
  temporalTimeouts?: Partial<TemporalTimeouts>;
  /** When given, every request is counted and GET /metrics serves its registry. */
  metrics?: ApiMetrics;
}

/** What createApp resolves from AppDeps and hands to every route module. */
export interface Services extends Required<Omit<AppDeps, 'temporalTimeouts' | 'metrics'>> {
  links: Links;
  status: StatusView;
  workflows: Workflows;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
  };
}
