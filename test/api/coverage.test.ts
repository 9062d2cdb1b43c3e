// The coverage routes through app.request() against a real database whose ledger was written by
// the product's own write path (page writer + ledger facts): stored series with keyset pages, a
// series' days and gaps, a job's issues page by page, the status' quality block, and 4xx answers
// that name the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, errorOf, readJson, type Harness } from './harness.js';
import { SEED_JOB as JOB, nyMidnight as ny, seedLedger } from '../coverage/seed-ledger.js';
import type { JobStatusResponse } from '../../src/api/schemas.js';
import type { coverageResponse, issuesPage, seriesPage } from '../../src/api/coverage-schemas.js';
import type { z } from '@hono/zod-openapi';

let h: Harness;
const get = async <T>(path: string) => {
  const res = await h.app.request(path);
  return { res, json: res.status === 200 ? await readJson<T>(res) : undefined };
};

beforeAll(async () => {
  h = await createHarness({ label: 'apicov' });
  await seedLedger(h.db.pool);
});
afterAll(() => h?.close());

describe('GET /api/v1/series', () => {
  it('lists stored series with first/last bar, bar count and fetched ranges, page by page', async () => {
    const first = await get<z.infer<typeof seriesPage>>('/api/v1/series?limit=2');
    expect(first.res.status).toBe(200);
    expect(first.json!.series.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(first.json!.series[0]).toEqual({
      symbol: 'AAPL', timeframe: '1d', adjusted: true, first_bar: new Date(ny('2024-01-02')).toISOString(), last_bar: new Date(ny('2024-01-12')).toISOString(),
      bars: 8, fetched: [{ start: '2024-01-02', end: '2024-01-12' }], coverage_url: '/api/v1/series/AAPL/1d/coverage',
    });
    const rest = await get<z.infer<typeof seriesPage>>(`/api/v1/series?limit=2&cursor=${first.json!.next_cursor}`);
    expect(rest.json!.series.map((s) => s.symbol)).toEqual(['X:BTCUSD']);
    expect(rest.json!.next_cursor).toBeNull();
    const one = await get<z.infer<typeof seriesPage>>('/api/v1/series?symbol=MSFT&timeframe=1d');
    expect(one.json!.series.map((s) => [s.symbol, s.bars])).toEqual([['MSFT', 2]]);
    expect((await get('/api/v1/series?timeframe=1m')).json).toEqual({ series: [], limit: 100, next_cursor: null });
  });

  it('400 naming the field for a bad timeframe, symbol, cursor or limit', async () => {
    for (const [q, field] of [['timeframe=7x', 'timeframe'], ['symbol=no%20such', 'symbol'], ['cursor=abc', 'cursor'], ['limit=0', 'limit'], ['what=1', 'what']]) {
      const { res } = await get(`/api/v1/series?${q}`);
      expect(res.status, q).toBe(400);
      expect((await errorOf(res)).field, q).toBe(field);
    }
  });
});

describe('GET /api/v1/series/{symbol}/{timeframe}/coverage', () => {
  it('gives every date with its state, the summary and the gaps', async () => {
    const { res, json } = await get<z.infer<typeof coverageResponse>>('/api/v1/series/AAPL/1d/coverage?start=2024-01-01&end=2024-01-16');
    expect(res.status).toBe(200);
    expect(json!.calendar.name).toBe('XNYS');
    expect(json!.days.map((d) => `${d.date.slice(8)}:${d.state}`).join(' ')).toBe(
      '01:closed 02:complete 03:complete 04:complete 05:no_bars 06:closed 07:closed 08:complete 09:suspect 10:complete 11:complete 12:complete 13:closed 14:closed 15:closed 16:not_fetched',
    );
    expect(json!.days[8]).toEqual({ date: '2024-01-09', state: 'suspect', bars: 1, first: new Date(ny('2024-01-09')).toISOString(), last: new Date(ny('2024-01-09')).toISOString(), outside_session: 0, violations: 1, rules: ['open_outside_range'] });
    expect(json!.summary).toEqual({
      sessions: 10, complete: 7, no_bars: 1, not_fetched: 1, suspect: 1, closed: 6,
      gaps: [{ start: '2024-01-05', end: '2024-01-05', sessions: 1, state: 'no_bars' }, { start: '2024-01-16', end: '2024-01-16', sessions: 1, state: 'not_fetched' }],
    });
  });

  it('crypto: every date is a session', async () => {
    const { json } = await get<z.infer<typeof coverageResponse>>('/api/v1/series/X:BTCUSD/1d/coverage?start=2024-01-02&end=2024-01-04');
    expect(json!.days.map((d) => d.state)).toEqual(['complete', 'no_bars', 'not_fetched']);
    expect(json!.calendar.name).toBe('CRYPTO');
  });

  it('404 with a message for a symbol or timeframe never stored; 400 naming the field for bad input', async () => {
    for (const path of ['/api/v1/series/NVDA/1d/coverage?start=2024-01-01&end=2024-01-02', '/api/v1/series/AAPL/1h/coverage?start=2024-01-01&end=2024-01-02', '/api/v1/series/AAPL/1d/coverage?start=2024-01-01&end=2024-01-02&adjusted=false']) {
      const { res } = await get(path);
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).message, path).toMatch(/no stored series/);
    }
    const bad: [string, string, RegExp][] = [
      ['AAPL/1d/coverage?start=2024-02-30&end=2024-03-01', 'start', /not a real calendar date/],
      ['AAPL/1d/coverage?start=2024-01-01', 'end', /required/],
      ['AAPL/1d/coverage?start=2024-02-01&end=2024-01-01', 'end', /before start/],
      ['AAPL/1d/coverage?start=2000-01-01&end=2024-01-01', 'end', /more than 3660 days/],
      ['AAPL/7x/coverage?start=2024-01-01&end=2024-01-02', 'timeframe', /not a supported timeframe/],
      ['AAPL/1d/coverage?start=2024-01-01&end=2024-01-02&adjusted=maybe', 'adjusted', /true or false/],
    ];
    for (const [path, field, message] of bad) {
      const { res } = await get(`/api/v1/series/${path}`);
      expect(res.status, path).toBe(400);
      const err = await errorOf(res);
      expect(err.field, path).toBe(field);
      expect(err.message, path).toMatch(message);
    }
  });
});

describe('job quality and issues', () => {
  it("GET /backfill/{job_id}/issues lists the job's violations page by page; 404 for an unknown job", async () => {
    const { res, json } = await get<z.infer<typeof issuesPage>>(`/api/v1/backfill/${JOB}/issues?limit=1`);
    expect(res.status).toBe(200);
    expect(json!.issues).toEqual([{ symbol: 'AAPL', timeframe: '1d', ts: new Date(ny('2024-01-09')).toISOString(), rule: 'open_outside_range', detail: 'open 120 is outside [90, 110]' }]);
    expect(json!.next_cursor).toBeNull();
    const unknown = await get('/api/v1/backfill/00000000-0000-4000-8000-000000000999/issues');
    expect(unknown.res.status).toBe(404);
    expect((await get(`/api/v1/backfill/${JOB}/issues?cursor=%5B1%5D`)).res.status).toBe(400);
  });

  it('the status carries the quality block from the ledger', async () => {
    const { json } = await get<JobStatusResponse>(`/api/v1/backfill/status/${JOB}`);
    expect(json!.quality).toEqual({ sessions_covered: 9 + 2 + 2, gaps: 1 + 1, suspect: 1, violations_by_rule: { open_outside_range: 1 } });
    expect(json!.issues_url).toBe(`/api/v1/backfill/${JOB}/issues`);
  });
});

describe('POST /api/v1/backfill validation mode', () => {
  const post = (o: Record<string, unknown>) =>
    h.app.request('/api/v1/backfill', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbols: ['AAPL'], start_date: '2024-01-02', end_date: '2024-01-05', ...o }) });

  it('stores `strict` on the job (default `record`), refuses any other word naming the field', async () => {
    const strict = await post({ validation: 'strict' });
    expect(strict.status).toBe(202);
    const plain = await post({});
    const mode = async (res: Response) => (await h.db.pool.query('SELECT validation FROM jobs WHERE job_id = $1', [(await readJson<{ job_id: string }>(res)).job_id])).rows[0].validation;
    expect([await mode(strict), await mode(plain)]).toEqual(['strict', 'record']);
    const bad = await post({ validation: 'loose' });
    expect(bad.status).toBe(400);
    expect(await errorOf(bad)).toMatchObject({ field: 'validation', message: 'validation: must be one of record, strict' });
  });
});
