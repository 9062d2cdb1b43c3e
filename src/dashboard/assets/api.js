// The dashboard's API client: same origin, Bearer key from localStorage when one is saved.

const KEY_STORAGE = 'backfill.apiKey';

export class ApiError extends Error {
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

export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lives for this page only */
  }
}

async function call(method, path, body, headers = {}) {
  const h = { accept: 'application/json', ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  const key = getApiKey();
  if (key) h.authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, 'unreachable', `the API is unreachable (${err.message})`);
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

const q = (params) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const t = s.toString();
  return t ? `?${t}` : '';
};
const id = (jobId) => encodeURIComponent(jobId);

export const api = {
  start: (body, idempotencyKey) => call('POST', '/api/v1/backfill', body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  status: (jobId) => call('GET', `/api/v1/backfill/status/${id(jobId)}`),
  units: (jobId, params) => call('GET', `/api/v1/backfill/${id(jobId)}/units${q(params)}`),
  recent: (params) => call('GET', `/api/v1/backfill/recent${q(params)}`),
  retry: (jobId, body = {}) => call('POST', `/api/v1/backfill/${id(jobId)}/retry`, body),
  pause: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/pause`, {}),
  resume: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/resume`, {}),
  cancel: (jobId) => call('POST', `/api/v1/backfill/${id(jobId)}/cancel`, {}),
};
