// How the API drives Temporal Schedules. Temporal is the truth for a schedule (its spec, its
// state, its next times); nothing about it is copied to Postgres, so a schedule paused, triggered
// or created with `temporal schedule ...` or in the Web UI is seen as it is.
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import type { Config } from '../config.js';
import { SCHEDULE_ID } from '../temporal/search-attributes.js';
import { TopUpWorkflow } from '../../workflows/top-up.js';
import { SCHEDULE_ID_PREFIX, scheduleIdOf, temporalScheduleId, topUpWorkflowIdFor, type TopUpInput } from '../../workflows/schedule-messages.js';

export interface ScheduleDefinition {
  id: string;
  input: TopUpInput;
  spec: ScheduleSpec;
  catchupWindowSeconds: number;
  paused: boolean;
  note?: string;
}

export interface ScheduleChange {
  input: TopUpInput;
  spec?: ScheduleSpec;
  catchupWindowSeconds?: number;
}

/** At most this many schedules are listed (each is described, for its action and next times). */
export const SCHEDULES_LIST_MAX = 200;

export interface Schedules {
  /** Throws ScheduleAlreadyRunning when the id (the name) is taken. */
  create(def: ScheduleDefinition): Promise<void>;
  /** Null when Temporal has no such schedule. */
  describe(id: string): Promise<ScheduleDescription | null>;
  /** Every `backfill-schedule-*` schedule, described. */
  list(): Promise<ScheduleDescription[]>;
  update(id: string, change: (current: ScheduleDescription) => ScheduleChange): Promise<void>;
  pause(id: string, note: string): Promise<void>;
  unpause(id: string, note: string): Promise<void>;
  trigger(id: string): Promise<void>;
  backfill(id: string, start: Date, end: Date): Promise<void>;
  delete(id: string): Promise<void>;
}

export function createSchedules(client: Client, config: Pick<Config, 'TEMPORAL_TASK_QUEUE'>, callMs: number): Schedules {
  const call = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + callMs, fn);
  const handle = (id: string) => client.schedule.getHandle(temporalScheduleId(id));

  async function describe(id: string): Promise<ScheduleDescription | null> {
    try {
      return await call(() => handle(id).describe());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return null;
      throw err;
    }
  }

  const action = (input: TopUpInput) => ({
    type: 'startWorkflow' as const,
    workflowType: TopUpWorkflow,
    workflowId: topUpWorkflowIdFor(input.scheduleId),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    args: [input] as [TopUpInput],
    typedSearchAttributes: [{ key: SCHEDULE_ID, value: input.scheduleId }],
  });

  return {
    async create(def) {
      await call(() =>
        client.schedule.create({
          scheduleId: temporalScheduleId(def.id),
          spec: def.spec,
          action: action(def.input),
          policies: {
            // A run stays open while its job runs: a run due meanwhile waits (one at most) and
            // the rest are skipped, so two jobs of one schedule never fetch side by side.
            overlap: ScheduleOverlapPolicy.BUFFER_ONE,
            catchupWindow: `${def.catchupWindowSeconds}s`,
            pauseOnFailure: false,
          },
          memo: { backfillSchedule: def.id, name: def.id, createdBy: 'polygon-backfill API' },
          typedSearchAttributes: [{ key: SCHEDULE_ID, value: def.id }],
          state: { paused: def.paused, ...(def.note ? { note: def.note } : {}) },
        }),
      );
    },

    describe,

    async list() {
      const ids: string[] = [];
      await call(async () => {
        for await (const s of client.schedule.list({ pageSize: 1000 })) {
          if (s.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) ids.push(s.scheduleId);
          if (ids.length >= SCHEDULES_LIST_MAX) break;
        }
      });
      const described = await Promise.all(ids.map((tid) => describe(scheduleIdOf(tid)!)));
      return described.filter((d): d is ScheduleDescription => d !== null).sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
    },

    async update(id, change) {
      await call(() =>
        handle(id).update((prev) => {
          const c = change(prev as ScheduleDescription);
          return {
            ...prev,
            spec: c.spec ?? prev.spec,
            action: { ...prev.action, ...action(c.input) },
            policies: { ...prev.policies, ...(c.catchupWindowSeconds !== undefined ? { catchupWindow: c.catchupWindowSeconds * 1000 } : {}) },
          } as never;
        }),
      );
    },

    pause: (id, note) => call(() => handle(id).pause(note)),
    unpause: (id, note) => call(() => handle(id).unpause(note)),
    trigger: (id) => call(() => handle(id).trigger()),
    // BUFFER_ALL: every past time of the range gets its run, one after the other; none is dropped
    // because an earlier one is still going.
    backfill: (id, start, end) => call(() => handle(id).backfill({ start, end, overlap: ScheduleOverlapPolicy.BUFFER_ALL })),
    delete: (id) => call(() => handle(id).delete()),
  };
}
