import { VALIDATION_MODES, type ValidationMode } from '../../workflows/vocabulary.js';
import type { Queryable } from './pool.js';

/** The job's validation mode; `record` for a job row that predates the column's default. */
export async function jobValidationMode(q: Queryable, jobId: string): Promise<ValidationMode> {
  const { rows } = await q.query<{ validation: string }>('SELECT validation FROM jobs WHERE job_id = $1', [jobId]);
  const mode = rows[0]?.validation;
  return (VALIDATION_MODES as readonly string[]).includes(mode ?? '') ? (mode as ValidationMode) : 'record';
}
