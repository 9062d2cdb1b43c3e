// The coverage ledger through the real stack: worker, Temporal, the simulator paginating inside a
// day, Postgres. Each date's ledger row equals what the bars table holds for it, weekends and the
// holiday are `closed`, sessions `complete`, and a second job over an overlapping range replaces
// the dates it fetched instead of adding to them.
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { resultOf, startBackfill } from '../helpers/worker.js';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
import { expectLedgerMatchesBars, ledgerStates } from './ledger-support.js';

// Memorial Day 2024-05-27 (Monday) between two weekends.
const RANGE = { symbols: ['AAPL', 'X:BTCUSD'], timeframes: ['1m', '1d'], startDate: '2024-05-24', endDate: '2024-05-29' };

describe('coverage ledger', () => {
  // 700 results per response: every page of minute bars ends inside a session day.
  const stack = useWorkflowStack('ledger', { sim: { maxResultsPerPage: 700 } });

  it('writes one exact row per date: bars, first and last bar as stored; closed days and sessions by the calendar', async () => {
    const result = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId: randomUUID(), ...RANGE, concurrency: 4 }));
    expect(result.status).toBe('completed');
    for (const s of RANGE.symbols) for (const tf of RANGE.timeframes) await expectLedgerMatchesBars(stack.db.pool, s, tf, RANGE.startDate, RANGE.endDate);

    const stock = await ledgerStates(stack.db.pool, 'AAPL', '1m');
    expect(stock).toEqual({
      '2024-05-24': 'complete',
      '2024-05-25': 'closed',
      '2024-05-26': 'closed',
      '2024-05-27': 'closed',
      '2024-05-28': 'complete',
      '2024-05-29': 'complete',
    });
    expect(await ledgerStates(stack.db.pool, 'AAPL', '1d')).toEqual(stock);
    const crypto = await ledgerStates(stack.db.pool, 'X:BTCUSD', '1m');
    expect(Object.values(crypto)).toEqual(Array(6).fill('complete'));

    // Minute bars inside the session only: extended hours are the session for the ledger.
    const { rows } = await stack.db.pool.query(`SELECT sum(outside_session)::int AS outside, count(DISTINCT fetched_at) > 0 AS stamped FROM coverage_days`);
    expect(rows[0]).toEqual({ outside: 0, stamped: true });
  });

  it('a second job over an overlapping range replaces the dates it fetches, never double-counts them', async () => {
    const again = { ...RANGE, symbols: ['AAPL'], timeframes: ['1m'], startDate: '2024-05-28', endDate: '2024-05-31' };
    const result = await resultOf(await startBackfill(stack.client, stack.taskQueue, { jobId: randomUUID(), ...again }));
    expect(result.status).toBe('completed');
    expect(await expectLedgerMatchesBars(stack.db.pool, 'AAPL', '1m', RANGE.startDate, again.endDate)).toBe(5);
    const states = await ledgerStates(stack.db.pool, 'AAPL', '1m');
    expect(Object.keys(states)).toHaveLength(8);
    expect(states['2024-05-31']).toBe('complete');
  });
});
