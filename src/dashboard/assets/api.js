// @ts-check
// The dashboard's API client: same origin, Bearer key from localStorage when one is saved. The
// answers are typed by the API's own schemas (type-only: nothing of them is loaded in the page).

/** @typedef {import('../../api/schemas.js').VocabularyResponse} Vocabulary */
/** @typedef {import('../../api/schemas.js').JobStatusResponse} JobStatusJson */
/** @typedef {import('../../api/schemas.js').JobSummary} JobSummaryJson */
/** @typedef {import('../../api/schemas.js').UnitRow} UnitJson */
/** @typedef {import('../../api/coverage-schemas.js').CoverageBody} CoverageJson */
/** @typedef {import('../../api/coverage-schemas.js').SeriesPageBody} SeriesPageJson */
/** @typedef {import('../../api/schedule-schemas.js').ScheduleView} ScheduleJson */

const KEY_STORAGE = 'backfill.apiKey';

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {string} [field]
   */
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function getApiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

/** @param {string} key */
export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lives for this page only */
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
async function call(method, path, body, headers = {}) {
  /** @type {Record<string, string>} */
  const h = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  const key = getApiKey();
  if (key) h.authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `the API is unreachable (${err instanceof Error ? err.message : String(err)})`);
  }
  let json;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = json?.error;
    throw new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `${res.status} ${res.statusText}`, e?.field);
  }
  return json;
}

/** @param {Record<string, unknown>} params */
const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const t = s.toString();
  return t ? `?${t}` : '';
};
/** @param {string} jobId */
const id = (jobId) => encodeURIComponent(jobId);

/** @typedef {(jobId: string) => Promise<any>} Action */

export const api = {
  /** @returns {Promise<Vocabulary>} */
  vocabulary: () => call('GET', '/api/v1/vocabulary'),
  /** @param {Record<string, unknown>} body @param {string} [idempotencyKey] */
  start: (body, idempotencyKey) => call('POST', '/api/v1/backfill', body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  /** The dry run: the plan of the request, nothing started. @param {Record<string, unknown>} body */
  plan: (body) => call('POST', '/api/v1/backfill', { ...body, dry_run: true }),
  /** @param {string} jobId @returns {Promise<JobStatusJson>} */
  status: (jobId) => call('GET', `/api/v1/backfill/status/${id(jobId)}`),
  /** @param {string} jobId @param {Record<string, unknown>} params */
  units: (jobId, params) => call('GET', `/api/v1/backfill/${id(jobId)}/units${q(params)}`),
  /** @param {Record<string, unknown>} params @returns {Promise<{ jobs: JobSummaryJson[] }>} */
  recent: (params) => call('GET', `/api/v1/backfill/recent${q(params)}`),
  /** @param {string} jobId @param {Record<string, unknown>} [body] */
  retry: (jobId, body = {}) => call('POST', `/api/v1/backfill/${id(jobId)}/retry`, body),
  /** @type {Action} */
  pause: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/pause`, {}),
  /** @type {Action} */
  resume: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/resume`, {}),
  /** @type {Action} */
  cancel: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/cancel`, {}),
  /** @param {Record<string, unknown>} params @returns {Promise<SeriesPageJson>} */
  series: (params) => call('GET', `/api/v1/series${q(params)}`),
  /**
   * @param {string} symbol @param {string} timeframe @param {{ start: string; end: string; adjusted: boolean }} params
   * @returns {Promise<CoverageJson>}
   */
  coverage: (symbol, timeframe, params) => call('GET', `/api/v1/series/${id(symbol)}/${id(timeframe)}/coverage${q(params)}`),
  /** @returns {Promise<{ schedules: ScheduleJson[] }>} */
  schedules: () => call('GET', '/api/v1/schedules'),
  /** @param {string} scheduleId @param {'pause' | 'unpause' | 'trigger'} action */
  scheduleAction: (scheduleId, action) => call('POST', `/api/v1/schedules/${id(scheduleId)}/${action}`, action === 'trigger' ? undefined : {}),
};
