import { asyncLocalStorage } from '@temporalio/activity';
import type { Logger } from '../logger.js';

/**
 * A logger whose every line written inside an activity carries that activity's workflowId, runId
 * and activityId, so a log search joins to the Temporal UI. The fields come from the SDK's activity
 * context at write time (an AsyncLocalStorage read, nothing when outside an activity), so every
 * child the activities make inherits them without being passed anything.
 */
export function activityLogger(logger: Logger): Logger {
  return logger.child(
    {},
    {
      formatters: {
        log(object) {
          const info = asyncLocalStorage.getStore()?.info;
          if (!info) return object;
          return { workflowId: info.workflowExecution?.workflowId, runId: info.workflowExecution?.runId, activityId: info.activityId, ...object };
        },
      },
    },
  );
}
