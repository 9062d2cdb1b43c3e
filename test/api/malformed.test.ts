// Table-driven hostile and malformed input: every request gets a 4xx whose error names the field,
// and none of them inserts a job row or starts a workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, countWorkflows, createHarness, jsonHeaders, type Harness } from './harness.js';

let h: Harness;
let app: Harness['app'];
const NOW = new Date('2025-06-15T12:00:00Z');
const MAX_BODY = 4096;
const MAX_SYMBOLS = 50;

beforeAll(async () => {
  h = await createHarness({ label: 'apibad', env: { API_MAX_BODY_BYTES: String(MAX_BODY), API_MAX_SYMBOLS: String(MAX_SYMBOLS) } });
  app = h.makeApp({ now: () => NOW });
});
afterAll(async () => {
  await h?.close();
});

const valid = { symbols: ['AAPL'], start_date: '2024-01-02', end_date: '2024-01-31' };
const json = (o: Record<string, unknown>) => JSON.stringify({ ...valid, ...o });
const without = (k: keyof typeof valid) => {
  const o: Record<string, unknown> = { ...valid };
  delete o[k];
  return JSON.stringify(o);
};
const qs = 'symbols=AAPL&start_date=2024-01-02&end_date=2024-01-31';
const someJob = '00000000-0000-4000-8000-000000000001';

interface Case {
  name: string;
  field: string;
  body?: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  status?: number;
}

const cases: Case[] = [
  // symbols
  { name: 'symbols missing', body: without('symbols'), field: 'symbols' },
  { name: 'symbols is a string', body: json({ symbols: 'AAPL' }), field: 'symbols' },
  { name: 'symbols is a number', body: json({ symbols: 5 }), field: 'symbols' },
  { name: 'symbols is an object', body: json({ symbols: { a: 'AAPL' } }), field: 'symbols' },
  { name: 'symbols empty', body: json({ symbols: [] }), field: 'symbols' },
  { name: 'symbol is a number', body: json({ symbols: [123] }), field: 'symbols' },
  { name: 'symbol is null', body: json({ symbols: [null] }), field: 'symbols' },
  { name: 'symbol is an array', body: json({ symbols: [['AAPL']] }), field: 'symbols' },
  { name: 'SQL injection ticker', body: json({ symbols: ['AAPL; DROP TABLE jobs;--'] }), field: 'symbols' },
  { name: 'quote injection ticker', body: json({ symbols: ["' OR '1'='1"] }), field: 'symbols' },
  { name: 'HTML injection ticker', body: json({ symbols: ['<script>alert(1)</script>'] }), field: 'symbols' },
  { name: 'path traversal ticker', body: json({ symbols: ['../../etc/passwd'] }), field: 'symbols' },
  { name: 'ticker with a space', body: json({ symbols: ['AA PL'] }), field: 'symbols' },
  { name: 'ticker with a NUL', body: json({ symbols: ['AAPL\u0000'] }), field: 'symbols' },
  { name: 'empty ticker', body: json({ symbols: [''] }), field: 'symbols' },
  { name: 'blank ticker', body: json({ symbols: ['   '] }), field: 'symbols' },
  { name: 'prefix without ticker', body: json({ symbols: ['X:'] }), field: 'symbols' },
  { name: 'malformed option ticker', body: json({ symbols: ['O:AAPL'] }), field: 'symbols' },
  { name: 'unknown prefix', body: json({ symbols: ['Z:FOO'] }), field: 'symbols' },
  { name: 'ticker too long', body: json({ symbols: ['A'.repeat(40)] }), field: 'symbols' },
  { name: 'too many symbols', body: json({ symbols: Array.from({ length: MAX_SYMBOLS + 1 }, (_, i) => `S${i}`) }), field: 'symbols' },
  // dates
  { name: 'start_date missing', body: without('start_date'), field: 'start_date' },
  { name: 'end_date missing', body: without('end_date'), field: 'end_date' },
  { name: 'slashed date', body: json({ start_date: '2024/01/02' }), field: 'start_date' },
  { name: 'February 30', body: json({ start_date: '2024-02-30' }), field: 'start_date' },
  { name: 'February 29 of a common year', body: json({ start_date: '2023-02-29' }), field: 'start_date' },
  { name: 'month 13', body: json({ end_date: '2024-13-01' }), field: 'end_date' },
  { name: 'date as a number', body: json({ start_date: 20240102 }), field: 'start_date' },
  { name: 'date without zero padding', body: json({ start_date: '2024-1-2' }), field: 'start_date' },
  { name: 'date-time instead of date', body: json({ start_date: '2024-01-02T00:00:00Z' }), field: 'start_date' },
  { name: 'date as words', body: json({ end_date: 'yesterday' }), field: 'end_date' },
  { name: 'end_date in the future', body: json({ end_date: '2025-06-16' }), field: 'end_date' },
  { name: 'start after end', body: json({ start_date: '2024-02-01', end_date: '2024-01-31' }), field: 'start_date' },
  { name: 'date before 1970', body: json({ start_date: '1969-12-31' }), field: 'start_date' },
  { name: 'injection in a date', body: json({ start_date: "2024-01-02'; DROP TABLE jobs;--" }), field: 'start_date' },
  // timeframes
  { name: 'timeframes is a string', body: json({ timeframes: '1d' }), field: 'timeframes' },
  { name: 'timeframes empty', body: json({ timeframes: [] }), field: 'timeframes' },
  { name: 'unknown timeframe unit', body: json({ timeframes: ['1x'] }), field: 'timeframes' },
  { name: 'zero multiplier', body: json({ timeframes: ['0m'] }), field: 'timeframes' },
  { name: 'ambiguous upper-case timeframe', body: json({ timeframes: ['1M'] }), field: 'timeframes' },
  { name: 'timeframe too wide to fetch', body: json({ timeframes: ['999q'] }), field: 'timeframes' },
  { name: 'timeframe multiplier out of range', body: json({ timeframes: ['1000000m'] }), field: 'timeframes' },
  { name: 'too many timeframes', body: json({ timeframes: Array.from({ length: 17 }, (_, i) => `${i + 1}m`) }), field: 'timeframes' },
  // adjusted, concurrency
  { name: 'adjusted as a string', body: json({ adjusted: 'yes' }), field: 'adjusted' },
  { name: 'adjusted as a number', body: json({ adjusted: 1 }), field: 'adjusted' },
  { name: 'concurrency zero', body: json({ concurrency: 0 }), field: 'concurrency' },
  { name: 'concurrency fractional', body: json({ concurrency: 1.5 }), field: 'concurrency' },
  { name: 'concurrency as a string', body: json({ concurrency: '4' }), field: 'concurrency' },
  { name: 'concurrency above the maximum', body: json({ concurrency: 100_000 }), field: 'concurrency' },
  { name: 'concurrency negative', body: json({ concurrency: -1 }), field: 'concurrency' },
  // shape of the body
  { name: 'unknown field', body: json({ priority: 'high' }), field: 'priority' },
  { name: 'prototype pollution key', body: `{"__proto__": {"admin": true}, ${json({}).slice(1)}`, field: '__proto__' },
  { name: 'constructor key', body: json({ constructor: { prototype: {} } }), field: 'constructor' },
  { name: 'body is an array', body: '[]', field: 'body' },
  { name: 'body is null', body: 'null', field: 'body' },
  { name: 'body is a string', body: '"AAPL"', field: 'body' },
  { name: 'body is a number', body: '42', field: 'body' },
  { name: 'malformed JSON', body: '{symbols: [AAPL]}', field: 'body' },
  { name: 'truncated JSON', body: json({}).slice(0, 20), field: 'body' },
  { name: 'body over the limit', body: json({ symbols: Array.from({ length: 2_000 }, (_, i) => `S${i}`) }), field: 'body', status: 413 },
  { name: 'five megabytes of body', body: 'x'.repeat(5 * 1024 * 1024), field: 'body', status: 413 },
  { name: 'form-encoded body', body: 'symbols=AAPL', headers: { 'content-type': 'application/x-www-form-urlencoded' }, field: 'content-type', status: 415 },
  { name: 'JSON body labelled text/plain', body: json({}), headers: { 'content-type': 'text/plain' }, field: 'content-type', status: 415 },
  { name: 'body without a content type', body: json({}), headers: { 'content-type': '' }, field: 'content-type', status: 415 },
  { name: 'Idempotency-Key with spaces', body: json({}), headers: { 'idempotency-key': 'a b c' }, field: 'Idempotency-Key' },
  { name: 'Idempotency-Key too long', body: json({}), headers: { 'idempotency-key': 'k'.repeat(201) }, field: 'Idempotency-Key' },
  // the legacy query-string form
  { name: 'query: dates missing', path: '/api/v1/backfill?symbols=AAPL', field: 'start_date' },
  { name: 'query: nothing at all', path: '/api/v1/backfill', field: 'symbols' },
  { name: 'query: empty symbols', path: '/api/v1/backfill?symbols=&start_date=2024-01-02&end_date=2024-01-31', field: 'symbols' },
  { name: 'query: injection in symbols', path: `/api/v1/backfill?symbols=AAPL,${encodeURIComponent("'; DROP TABLE jobs;--")}&start_date=2024-01-02&end_date=2024-01-31`, field: 'symbols' },
  { name: 'query: adjusted=maybe', path: `/api/v1/backfill?${qs}&adjusted=maybe`, field: 'adjusted' },
  { name: 'query: concurrency=abc', path: `/api/v1/backfill?${qs}&concurrency=abc`, field: 'concurrency' },
  { name: 'query: concurrency=1e3', path: `/api/v1/backfill?${qs}&concurrency=1e3`, field: 'concurrency' },
  { name: 'query: start_date twice', path: `/api/v1/backfill?${qs}&start_date=2024-01-03`, field: 'start_date' },
  { name: 'query: unknown parameter', path: `/api/v1/backfill?${qs}&foo=bar`, field: 'foo' },
  { name: 'query: bad timeframe', path: `/api/v1/backfill?${qs}&timeframes=1h,7z`, field: 'timeframes' },
  { name: 'query: future end', path: '/api/v1/backfill?symbols=AAPL&start_date=2024-01-02&end_date=2030-01-01', field: 'end_date' },
  { name: 'query and body together', path: '/api/v1/backfill?symbols=AAPL', body: json({}), field: 'symbols' },
  // job ids and the other routes
  { name: 'status: id not a UUID', method: 'GET', path: '/api/v1/backfill/status/not-a-uuid', field: 'job_id' },
  { name: 'status: injection as id', method: 'GET', path: `/api/v1/backfill/status/${encodeURIComponent("1' OR '1'='1")}`, field: 'job_id' },
  { name: 'status: UUID with junk', method: 'GET', path: `/api/v1/backfill/status/${someJob}x`, field: 'job_id' },
  { name: 'units: id not a UUID', method: 'GET', path: '/api/v1/backfill/123/units', field: 'job_id' },
  { name: 'units: limit not a number', method: 'GET', path: `/api/v1/backfill/${someJob}/units?limit=abc`, field: 'limit' },
  { name: 'units: limit too large', method: 'GET', path: `/api/v1/backfill/${someJob}/units?limit=5000`, field: 'limit' },
  { name: 'units: bad status', method: 'GET', path: `/api/v1/backfill/${someJob}/units?status=broken`, field: 'status' },
  { name: 'recent: negative limit', method: 'GET', path: '/api/v1/backfill/recent?limit=-1', field: 'limit' },
  { name: 'recent: injection in status', method: 'GET', path: `/api/v1/backfill/recent?status=${encodeURIComponent("running' OR 1=1")}`, field: 'status' },
  { name: 'retry: id not a UUID', path: '/api/v1/backfill/123/retry', field: 'job_id' },
  { name: 'retry: symbols as a string', path: `/api/v1/backfill/${someJob}/retry`, body: JSON.stringify({ symbols: 'AAPL' }), field: 'symbols' },
  { name: 'retry: bad ticker', path: `/api/v1/backfill/${someJob}/retry`, body: JSON.stringify({ symbols: ['$$$'] }), field: 'symbols' },
  { name: 'retry: unknown field', path: `/api/v1/backfill/${someJob}/retry`, body: JSON.stringify({ all: true }), field: 'all' },
  { name: 'pause: id not a UUID', path: '/api/v1/backfill/zzz/pause', field: 'job_id' },
  { name: 'cancel: id not a UUID', path: '/api/v1/backfill/zzz/cancel', field: 'job_id' },
];

describe('malformed requests', () => {
  it('has a meaningful table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const headers: Record<string, string> = c.body === undefined ? {} : jsonHeaders();
    for (const [k, v] of Object.entries(c.headers ?? {})) {
      if (v === '') delete headers[k];
      else headers[k] = v;
    }
    const res = await app.request(c.path ?? '/api/v1/backfill', {
      method: c.method ?? 'POST',
      headers,
      ...(c.body === undefined ? {} : { body: c.body }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(c.status ?? 400);
    const parsed = JSON.parse(text) as { error: { code: string; message: string; field?: string } };
    expect(parsed.error.field, text).toBe(c.field);
    expect(parsed.error.message, text).toContain(c.field);
    expect(text).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
  });

  it('inserted no job and started no workflow', async () => {
    expect(await countJobs(h.db.pool)).toBe(0);
    expect(await countWorkflows(h.client, h.taskQueue)).toBe(0);
  });
});
