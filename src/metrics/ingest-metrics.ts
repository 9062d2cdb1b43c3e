import { Counter, Histogram, type Registry } from 'prom-client';
import type { RequestInfo } from '../polygon/index.js';
import { VALIDATION_RULES, type ValidationRule } from '../../workflows/vocabulary.js';

/**
 * What the worker counts about ingestion, as calls the activities and the Polygon client make (one
 * line at each point). Backed by prom-client instruments on the registry it is given, never a global.
 */
export interface IngestMetrics {
  /**
   * A page committed: its bars as fetched and as newly inserted, how long the write took, and the
   * way it went in (src/db/write-page.ts: `direct` into a fresh range, `staged` merge, `fallback`
   * when a concurrent writer filled the range first).
   */
  pageWritten(p: { timeframe: string; fetched: number; inserted: number; seconds: number; path?: string }): void;
  /** One HTTP attempt to Polygon (the client's `onRequest` hook). */
  polygonRequest(info: RequestInfo): void;
  /** Time a request spent waiting for its shared rate-limiter slot (the reservation query included). */
  rateLimiterWait(seconds: number): void;
  /** What the ingest validator (validatePage) found in one page: counted by rule. */
  validationViolations(violations: readonly { rule: ValidationRule }[]): void;
  /** A unit attempt ended: `completed`, or the failure code it failed with (`cancelled` too). */
  unitAttemptEnded(outcome: string): void;
}

// Seconds, as Prometheus conventions expect; bounds from a 1 ms COPY of a tiny page to a slow 50,000-bar one.
const WRITE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// Free-plan spacing is 12 s per request: waits reach a minute when several workers share a key.
const WAIT_BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 15, 30, 60];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Status 0 means no response arrived (timeout, reset, refused): a label of its own, not a fake code. */
const statusLabel = (status: number) => (status === 0 ? 'no_response' : String(status));

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  const fetched = new Counter({ name: 'backfill_bars_fetched_total', help: 'Bars received from Polygon in committed pages', labelNames: ['timeframe'], registers });
  const inserted = new Counter({ name: 'backfill_bars_inserted_total', help: 'Bars newly inserted into Postgres (duplicates excluded)', labelNames: ['timeframe'], registers });
  const write = new Histogram({ name: 'backfill_page_write_seconds', help: 'One page transaction: COPY, insert, cursor update, commit', buckets: WRITE_BUCKETS, registers });
  const pages = new Counter({ name: 'backfill_pages_written_total', help: 'Committed pages by write path: direct (fresh range), staged (merge), fallback (a concurrent writer came first)', labelNames: ['path'], registers });
  const requests = new Counter({ name: 'backfill_polygon_requests_total', help: 'HTTP attempts to Polygon by endpoint and status', labelNames: ['endpoint', 'status'], registers });
  const requestSeconds = new Histogram({ name: 'backfill_polygon_request_seconds', help: 'Polygon HTTP attempt duration, body included', labelNames: ['endpoint'], buckets: REQUEST_BUCKETS, registers });
  const wait = new Histogram({ name: 'backfill_rate_limiter_wait_seconds', help: 'Time a Polygon request waited for its shared rate-limiter slot', buckets: WAIT_BUCKETS, registers });
  const violations = new Counter({ name: 'backfill_validation_violations_total', help: 'Bars the ingest validator flagged, by rule', labelNames: ['rule'], registers });
  // Every rule reads 0 from the start, so a rate over it exists before the first violation.
  for (const rule of VALIDATION_RULES) violations.inc({ rule }, 0);
  const attempts = new Counter({ name: 'backfill_unit_attempts_total', help: 'Unit activity attempts by outcome (completed, or the failure code)', labelNames: ['outcome'], registers });

  return {
    pageWritten({ timeframe, fetched: f, inserted: i, seconds, path }) {
      if (path) pages.inc({ path });
      fetched.inc({ timeframe }, f);
      inserted.inc({ timeframe }, i);
      write.observe(seconds);
    },
    polygonRequest(info) {
      requests.inc({ endpoint: info.kind, status: statusLabel(info.status) });
      requestSeconds.observe({ endpoint: info.kind }, info.ms / 1000);
    },
    rateLimiterWait: (seconds) => wait.observe(seconds),
    validationViolations(found) {
      for (const v of found) violations.inc({ rule: v.rule });
    },
    unitAttemptEnded: (outcome) => attempts.inc({ outcome }),
  };
}
