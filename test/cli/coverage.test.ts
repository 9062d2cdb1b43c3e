/* eslint-disable no-control-regex -- the TTY case checks the ANSI colours the CLI writes */
// `backfill coverage` in-process (runCli) against the real API app over a ledger written by the
// product's write path: the month-by-month calendar with plain symbols when not a TTY and colours
// on one, the summary and gap list, `--json` as the API's answer, and API errors naming the flag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';
import { createHarness, type Harness } from '../api/harness.js';
import { seedLedger } from '../coverage/seed-ledger.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ label: 'clicov' });
  await seedLedger(h.db.pool);
});
afterAll(() => h?.close());

async function run(argv: string[], tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    env: { BACKFILL_API_URL: 'http://api.test' },
    stdout: { write: (s: string) => out.push(s), isTTY: tty, columns: 120 },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    fetch: async (input, init) => h.app.request(input, init),
    now: () => Date.now(),
    sleep: async () => undefined,
  };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('backfill coverage', () => {
  it('prints each month as a calendar of plain symbols, then the summary and the gaps', async () => {
    const r = await run(['coverage', 'AAPL', '--timeframe', '1d', '--start', '2023-12-28', '--end', '2024-01-16']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Weeks start on Monday; 2023-12-28 is a Thursday (not fetched), 2024-01-15 MLK Day.
    expect(r.stdout).toContain(
      [
        '2023-12  Mo Tu We Th Fr Sa Su',
        '                  ?  ?  .  .',
        '2024-01  Mo Tu We Th Fr Sa Su',
        '         .  #  #  #  x  .  .',
        '         #  !  #  #  #  .  .',
        '         .  ?',
      ].join('\n'),
    );
    expect(r.stdout).toContain('sessions 12: complete 7, suspect 1, no_bars 1, not_fetched 3; closed days 8');
    expect(r.stdout).toContain(['gaps (3):', '  2023-12-28..2023-12-29    2 sessions  not_fetched', '  2024-01-05                1 session   no_bars', '  2024-01-16                1 session   not_fetched'].join('\n'));
    expect(r.stdout).toContain('suspect days: 2024-01-09 (open_outside_range)');
    expect(r.stdout).not.toMatch(/\x1b\[/);
  });

  it('colours the cells on a TTY', async () => {
    const r = await run(['coverage', 'AAPL', '--start', '2024-01-08', '--end', '2024-01-09'], true);
    expect(r.stdout).toContain('\x1b[32m██\x1b[39m \x1b[33m██\x1b[39m');
  });

  it('--json prints the API answer', async () => {
    const r = await run(['coverage', 'MSFT', '--timeframe', '1d', '--start', '2024-01-02', '--end', '2024-01-04', '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout);
    expect(body.days.map((d: { state: string }) => d.state)).toEqual(['complete', 'complete', 'not_fetched']);
    expect(body.summary.gaps).toEqual([{ start: '2024-01-04', end: '2024-01-04', sessions: 1, state: 'not_fetched' }]);
  });

  it('names the flag of a bad field, says what is unknown, and needs the dates', async () => {
    const bad = await run(['coverage', 'AAPL', '--start', '2024-02-01', '--end', '2024-01-01']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/end: 2024-01-01 is before start 2024-02-01 \(HTTP 400 invalid_request\)\n {2}field: end \(set with --end\)/);
    const unknown = await run(['coverage', 'NVDA', '--start', '2024-01-01', '--end', '2024-01-02']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no stored series NVDA 1d .*HTTP 404/);
    const usage = await run(['coverage', 'AAPL', '--start', '2024-01-01']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/coverage needs --end/);
  });
});
