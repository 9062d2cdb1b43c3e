import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';
import { registerPoolGauges } from './pool-gauges.js';

/** A process's registry: Node's own metrics (memory, event-loop lag, GC) and its pg pool's gauges. */
export function createProcessRegistry(pool: Pool): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  registerPoolGauges(registry, pool);
  return registry;
}
