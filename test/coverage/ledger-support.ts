// One-symbol jobs as the API would start them, for the coverage tests; the ledger-vs-bars checks
// live in ledger-check.ts (re-exported here).
import { randomUUID } from 'node:crypto';
import { insertJob } from '../../src/db/insert-job.js';
import type { ValidationMode } from '../../workflows/vocabulary.js';
import { resultOf, startBackfill } from '../helpers/worker.js';
import type { WorkflowStack } from '../helpers/workflow-stack.js';
import { unitRows } from '../workflow/support.js';

export { expectLedgerMatchesBars, ledgerStates, ledgerVersusBars, type StoredDay } from './ledger-check.js';

/** Runs a one-symbol job as the API would start it (its row first, with its validation mode). */
export async function runOneSymbolJob(
  stack: WorkflowStack,
  symbol: string,
  range: { timeframes: string[]; startDate: string; endDate: string },
  validation: ValidationMode,
) {
  const jobId = randomUUID();
  await insertJob(stack.db.pool, {
    jobId, workflowId: `backfill-${jobId}`, idempotencyKey: null, requestFingerprint: null, symbols: [symbol], timeframes: range.timeframes,
    startDate: range.startDate, endDate: range.endDate, adjusted: true, concurrency: 1, unitsTotal: range.timeframes.length, validation,
  });
  const result = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId, symbols: [symbol], ...range }));
  return { jobId, result, units: await unitRows(stack.db.pool, jobId) };
}
