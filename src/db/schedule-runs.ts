import type { Queryable } from './pool.js';
import type { JobStatus } from '../../workflows/vocabulary.js';

export interface ScheduleRunRow {
  scheduleId: string;
  jobId: string;
  status: JobStatus;
  startDate: string;
  endDate: string;
  createdAt: Date;
  completedAt: Date | null;
}

/** The latest `limit` jobs of each schedule named, newest first (one index scan per schedule). */
export async function recentScheduleRuns(db: Queryable, scheduleIds: readonly string[], limit: number): Promise<ScheduleRunRow[]> {
  if (scheduleIds.length === 0) return [];
  const { rows } = await db.query<ScheduleRunRow>(
    `SELECT ids.id AS "scheduleId", j.job_id AS "jobId", j.status, j.start_date::text AS "startDate", j.end_date::text AS "endDate",
            j.created_at AS "createdAt", j.completed_at AS "completedAt"
       FROM unnest($1::text[]) AS ids(id)
       CROSS JOIN LATERAL (
         SELECT * FROM jobs WHERE schedule_id = ids.id ORDER BY created_at DESC, job_id DESC LIMIT $2
       ) j
      ORDER BY ids.id, j.created_at DESC, j.job_id DESC`,
    [scheduleIds, limit],
  );
  return rows;
}
