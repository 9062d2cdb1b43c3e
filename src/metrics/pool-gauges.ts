import { Gauge, type Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';

/** Connections of a pg pool by state, read from the pool at scrape time (nothing to keep in step). */
export function registerPoolGauges(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'backfill_pg_pool_connections',
    help: 'pg pool: open connections (total, idle) and callers waiting for one (waiting)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
}
