// The SQL CHECK constraints of the status (and failure code) columns, read back from a migrated
// database, are exactly the lists in workflows/vocabulary.ts: a word added on one side only fails here.
import { describe, expect, it } from 'vitest';
import { useTestDatabase, type TestDatabase } from '../helpers/env.js';
import { COVERAGE_STATES, FAILURE_CODES, FETCH_STRATEGIES, JOB_STATUSES, REPROCESS_MODES, UNIT_STATUSES, VALIDATION_MODES, VALIDATION_RULES, WEBHOOK_DELIVERY_STATUSES } from '../../workflows/vocabulary.js';

/** Each constrained column's words as its CHECK constraint lists them (`col IN (...)` / `= ANY (ARRAY[...])`). */
async function checkedWords(db: TestDatabase): Promise<Map<string, string[]>> {
  const { rows } = await db.pool.query<{ tbl: string; col: string; def: string }>(
    `SELECT c.conrelid::regclass::text AS tbl, a.attname AS col, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
      WHERE c.contype = 'c' AND cardinality(c.conkey) = 1 AND c.connamespace = 'public'::regnamespace`,
  );
  const words = new Map<string, string[]>();
  for (const r of rows) {
    const found = [...r.def.matchAll(/'([^']*)'::text/g)].map((m) => m[1]!);
    if (found.length) words.set(`${r.tbl}.${r.col}`, found);
  }
  return words;
}

describe('vocabulary and schema', () => {
  const db = useTestDatabase('vocab');

  it('jobs.status and job_units.status allow exactly the vocabulary, in its order', async () => {
    const words = await checkedWords(db);
    expect(words.get('jobs.status')).toEqual([...JOB_STATUSES]);
    expect(words.get('job_units.status')).toEqual([...UNIT_STATUSES]);
    // Every other word-list constraint is one the vocabulary defines too (failure codes, if constrained).
    const lists: Record<string, readonly string[]> = { 'jobs.status': JOB_STATUSES, 'job_units.status': UNIT_STATUSES, 'job_units.error_code': FAILURE_CODES, 'coverage_days.state': COVERAGE_STATES,
      'bar_violations.rule': VALIDATION_RULES,
      'jobs.validation': VALIDATION_MODES,
      'jobs.reprocess': REPROCESS_MODES,
      'webhook_deliveries.status': WEBHOOK_DELIVERY_STATUSES,
      'jobs.strategy': FETCH_STRATEGIES,
      'job_days.status': UNIT_STATUSES,
    };
    for (const [column, list] of words) {
      expect(lists[column], `${column} has a word-list CHECK the vocabulary does not know`).toBeDefined();
      expect(list, column).toEqual(lists[column]);
    }
  });

  it('the database refuses a status outside the vocabulary', async () => {
    await expect(
      db.pool.query(`INSERT INTO jobs (job_id, workflow_id, status, symbols, timeframes, start_date, end_date, adjusted, concurrency, units_total)
                     VALUES (gen_random_uuid(), 'wf-bad', 'finished', '{A}', '{1d}', '2024-01-02', '2024-01-03', true, 1, 1)`),
    ).rejects.toThrow(/check constraint/);
  });
});
