// GET /api/v1/vocabulary: the product's words (job and unit statuses, failure codes, coverage states) as the API
// itself defines them, so the dashboard and other clients never keep a copy that drifts.
import { createRoute } from '@hono/zod-openapi';
import { createRouter, errorSpec } from '../router.js';
import { vocabularyResponse, type VocabularyResponse } from '../schemas.js';
import {
  COVERAGE_STATES,
  FAILURE_CODES,
  FINAL_JOB_STATUSES,
  JOB_STATUSES,
  PERMANENT_FAILURE_CODES,
  REPROCESS_MODES,
  RESTARTABLE_JOB_STATUSES,
  UNIT_STATUSES,
} from '../../../workflows/vocabulary.js';

const vocabularyRoute = createRoute({
  method: 'get',
  path: '/api/v1/vocabulary',
  tags: ['backfill'],
  summary: 'Job statuses, unit statuses and failure codes',
  description: 'The lists the API validates and answers with, in their defined order.',
  responses: {
    200: { description: 'The vocabulary', content: { 'application/json': { schema: vocabularyResponse } } },
    401: errorSpec('Missing or wrong API key'),
  },
});

const VOCABULARY: VocabularyResponse = {
  job_statuses: [...JOB_STATUSES],
  final_job_statuses: [...FINAL_JOB_STATUSES],
  restartable_job_statuses: [...RESTARTABLE_JOB_STATUSES],
  unit_statuses: [...UNIT_STATUSES],
  failure_codes: [...FAILURE_CODES],
  permanent_failure_codes: [...PERMANENT_FAILURE_CODES],
  coverage_states: [...COVERAGE_STATES],
  reprocess_modes: [...REPROCESS_MODES],
};

export function vocabularyRoutes() {
  const app = createRouter();
  app.openapi(vocabularyRoute, (c) => c.json(VOCABULARY, 200));
  return app;
}
