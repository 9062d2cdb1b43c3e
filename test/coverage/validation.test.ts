// Validation on ingest through the real stack (worker, Temporal, Postgres, the product's Polygon
// client over HTTP) against a Polygon double that serves one bad daily bar: a `record` job stores
// every bar and flags the day `suspect` with its rule; a `strict` job fails the unit with bad_data,
// names the violation, and stores none of the page.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { ledgerStates, runOneSymbolJob } from './ledger-support.js';

const ny = (date: string) => Date.parse(`${date}T00:00:00-04:00`);
// 2024-07-01..05: the 2nd opens above its high; 07-04 is Independence Day.
const BARS = ['2024-07-01', '2024-07-02', '2024-07-03', '2024-07-05'].map((d, i) => ({
  t: ny(d), o: i === 1 ? 120 : 100, h: 110, l: 90, c: 105, v: 1000, vw: 101, n: 10,
}));

/** Answers every aggregates request with the same page: enough for one-window daily units. */
async function fixedPolygon() {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'OK', resultsCount: BARS.length, results: BARS }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('validation on ingest', () => {
  const stack = useWorkflowStack('validate', { upstream: fixedPolygon });
  const range = { timeframes: ['1d'], startDate: '2024-07-01', endDate: '2024-07-05' };
  const run = (symbol: string, validation: 'record' | 'strict') => runOneSymbolJob(stack, symbol, range, validation);
  const storedBars = async (symbol: string) =>
    (await stack.db.pool.query(`SELECT count(*)::int AS n FROM bars JOIN series USING (series_id) WHERE symbol = $1`, [symbol])).rows[0].n;

  it('record: stores every bar, marks the bad bar’s day suspect with its rule, lists the violation for the job', async () => {
    const { jobId, result } = await run('AAPL', 'record');
    expect(result.status).toBe('completed');
    expect(await storedBars('AAPL')).toBe(4);
    expect(await ledgerStates(stack.db.pool, 'AAPL', '1d')).toEqual({
      '2024-07-01': 'complete', '2024-07-02': 'suspect', '2024-07-03': 'complete', '2024-07-04': 'closed', '2024-07-05': 'complete',
    });
    const { rows } = await stack.db.pool.query(`SELECT rule, ts FROM bar_violations WHERE job_id = $1`, [jobId]);
    expect(rows).toEqual([{ rule: 'open_outside_range', ts: new Date(ny('2024-07-02')) }]);
  });

  it('strict: fails the unit with bad_data naming the first violation, stores none of the page', async () => {
    const { jobId, result, units } = await run('MSFT', 'strict');
    expect(result.status).toBe('failed');
    expect(units.map((u) => [u.status, u.error_code])).toEqual([['failed', 'bad_data']]);
    expect(units[0]!.error_message).toMatch(/1 bar failed validation: open_outside_range at 2024-07-02T04:00:00.000Z \(open 120 is outside \[90, 110\]\)/);
    expect(await storedBars('MSFT')).toBe(0);
    expect(await ledgerStates(stack.db.pool, 'MSFT', '1d')).toEqual({});
    const { rows } = await stack.db.pool.query(`SELECT rule FROM bar_violations WHERE job_id = $1`, [jobId]);
    expect(rows).toEqual([{ rule: 'open_outside_range' }]);
  });
});
