import type { ActivityDeps } from './deps.js';
import { createInitJob } from './init-job.js';
import { createBackfillUnit } from './backfill-unit.js';
import { createUnitStatusActivities } from './unit-status.js';
import { createSetJobStatus } from './job-status.js';
import { createLoadRetryState } from './retry-state.js';
import { createPlanTopUp, type PlanTopUpDeps } from './plan-top-up.js';
import { createDeliverWebhook } from './webhook.js';
import { createGroupedDayActivities } from './grouped-day.js';

export type { ActivityDeps, UnitSettings } from './deps.js';
export type { UnitInput, UnitResult, UnitHeartbeat } from './backfill-unit.js';
export type { InitJobInput, InitJobOutput } from './init-job.js';
export type { MarkUnitFailedInput } from './unit-status.js';
export type { LoadRetryStateOutput } from './retry-state.js';
export type { DeliverWebhookInput, DeliverWebhookOutput } from './webhook.js';
export type { GroupedDayInput, GroupedDayResult } from './grouped-day.js';
export type { GroupedOutcome } from '../src/db/grouped-days.js';

/**
 * Every activity of BackfillWorkflow, closed over the worker's dependencies. Workflows type their
 * proxies with `ReturnType<typeof createActivities>` (an `import type`, so no I/O code reaches the
 * workflow bundle).
 */
export function createActivities(deps: ActivityDeps & { config: ActivityDeps['config'] & PlanTopUpDeps['config'] }) {
  return {
    initJob: createInitJob(deps),
    backfillUnit: createBackfillUnit(deps),
    setJobStatus: createSetJobStatus(deps),
    loadRetryState: createLoadRetryState(deps),
    deliverWebhook: createDeliverWebhook(deps),
    ...createUnitStatusActivities(deps),
    planTopUp: createPlanTopUp(deps),
    ...createGroupedDayActivities(deps),
  };
}

export type BackfillActivities = ReturnType<typeof createActivities>;
