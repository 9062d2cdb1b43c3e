import { loadRetryState as loadRows, type RetryState } from '../src/db/retry-state.js';
import { type ActivityDeps, type UnitSettings, unitSettings } from './deps.js';
import type { RetryRequest } from '../workflows/messages.js';

export interface LoadRetryStateOutput extends RetryState {
  settings: UnitSettings;
}

export function createLoadRetryState({ pool, config, logger }: Pick<ActivityDeps, 'pool' | 'config' | 'logger'>) {
  /** For a job restarted to retry: requeues the matching failed units and returns the job's state. */
  return async function loadRetryState(input: { jobId: string; retry: RetryRequest }): Promise<LoadRetryStateOutput> {
    const state = await loadRows(pool, input.jobId, input.retry);
    logger.info({ jobId: input.jobId, requeued: state.requeued.length, stillFailed: state.failed.length }, 'job reopened for retry');
    return { ...state, settings: unitSettings(config) };
  };
}
