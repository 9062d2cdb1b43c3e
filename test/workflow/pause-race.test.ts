// Concurrent pause/resume through the API with the worker up: every call is applied by the
// workflow (never "queued: no worker answered"), and Postgres ends where the workflow is.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/api/app.js';
import type { ControlResponse, JobStatusResponse } from '../../src/api/schemas.js';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { progressQuery } from '../../workflows/messages.js';
import { jobRow } from './support.js';
import { waitFor } from '../helpers/wait.js';

const RANGE = { symbols: ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'META', 'GOOG'], timeframes: ['1d'], startDate: '2024-04-01', endDate: '2024-04-05' };
const CALLS = 10;

describe('pause and resume under concurrent calls', () => {
  const stack = useWorkflowStack('pause-race', { sim: { latencyMs: 400 } });

  it(`${CALLS} concurrent pause/resume calls are all applied at once; the job row and the workflow agree after`, async () => {
    const config = loadConfig({ DATABASE_URL: stack.db.url, TEMPORAL_TASK_QUEUE: stack.taskQueue, LOG_LEVEL: 'warn', ...(stack.temporalAddress ? { TEMPORAL_ADDRESS: stack.temporalAddress } : {}) });
    const logger = createLogger(config, { destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    // The default TemporalTimeouts: the 2 s update deadline is what the race ran into.
    const app = createApp({ config, pool: stack.db.pool, temporal: stack.client, logger });
    const jobId = randomUUID();
    const handle = await startBackfill(stack.client, stack.taskQueue, { jobId, ...RANGE, concurrency: 1 });
    await waitFor('a unit running', async () => (await handle.query(progressQuery)).counts.running === 1);

    const control = async (action: 'pause' | 'resume') => {
      const res = await app.request(`/api/v1/backfill/${jobId}/${action}`, { method: 'POST' });
      return { action, code: res.status, body: (await res.json()) as ControlResponse };
    };
    const answers = await Promise.all(Array.from({ length: CALLS }, (_, i) => control(i % 2 === 0 ? 'pause' : 'resume')));
    for (const a of answers) {
      // Each answer is the state its own call left the workflow in.
      expect({ code: a.code, queued: a.body.queued, status: a.body.status, paused: a.body.paused }).toEqual({
        code: 200,
        queued: false,
        status: a.action === 'pause' ? 'paused' : 'running',
        paused: a.action === 'pause',
      });
    }

    // A last pause after the burst decides the final state; Postgres follows the writes in order.
    const last = await control('pause');
    expect({ code: last.code, queued: last.body.queued, status: last.body.status }).toEqual({ code: 200, queued: false, status: 'paused' });
    await waitFor('the status writes and the running unit to finish', async () => {
      const d = await handle.describe();
      return d.raw.pendingActivities?.length === 0;
    });
    const progress = await handle.query(progressQuery);
    expect(progress.status).toBe('paused');
    expect(progress.counts.pending).toBeGreaterThan(0);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('paused');
    const shown = (await (await app.request(`/api/v1/backfill/status/${jobId}`)).json()) as JobStatusResponse;
    expect(shown.status).toBe('paused');

    const resumed = await control('resume');
    expect({ code: resumed.code, queued: resumed.body.queued, status: resumed.body.status }).toEqual({ code: 200, queued: false, status: 'running' });
    const result = await resultOf(handle);
    expect(result.status).toBe('completed');
    expect(result.counts.completed).toBe(RANGE.symbols.length);
    expect((await jobRow(stack.db.pool, jobId))!.status).toBe('completed');
  });
});
