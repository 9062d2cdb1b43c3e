// "Today" is New York's date, as Polygon's is: at 22:30 in New York (02:30 UTC the next day) an
// end_date of the UTC date is still in the future, and nothing is inserted for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, createHarness, jsonHeaders, type Harness } from './harness.js';
import { nyDateOf } from '../../src/api/dates.js';

describe('end_date and today', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ label: 'apitoday' });
  });
  afterAll(() => h?.close());

  it.each([
    ['2025-06-16T02:30:00Z', '2025-06-15'], // summer, UTC-4: still the 15th in New York
    ['2025-06-16T04:00:00Z', '2025-06-16'], // New York midnight
    ['2025-01-16T04:59:59Z', '2025-01-15'], // winter, UTC-5
    ['2025-01-16T05:00:00Z', '2025-01-16'],
    ['2025-03-09T06:59:00Z', '2025-03-09'], // the night clocks go forward
  ])('at %s the New York date is %s', (instant, date) => {
    expect(nyDateOf(new Date(instant))).toBe(date);
  });

  it('refuses the UTC date while it is not yet that date in New York, naming end_date', async () => {
    const app = h.makeApp({ now: () => new Date('2025-06-16T02:30:00Z') });
    const before = await countJobs(h.db.pool);
    const res = await app.request('/api/v1/backfill', {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ symbols: ['AAPL'], start_date: '2025-06-10', end_date: '2025-06-16' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; fields?: unknown } };
    expect(JSON.stringify(body)).toMatch(/end_date/);
    expect(JSON.stringify(body)).toMatch(/today is 2025-06-15 in New York/);
    expect(await countJobs(h.db.pool)).toBe(before);
  });
});
