import { describe, expect, it } from 'vitest';
import { checkFlags, parseArgs, UsageError } from '../../src/cli/args.js';

describe('CLI argument parsing', () => {
  it('reads a start command with lists, values, booleans and negations', () => {
    const p = parseArgs([
      'start',
      '--symbols',
      'AAPL,MSFT',
      '--symbols=NVDA',
      '--start',
      '2024-01-01',
      '--end=2024-03-01',
      '--timeframes',
      '1d, 1h',
      '--no-adjusted',
      '--concurrency',
      '8',
      '--idempotency-key',
      'k-1',
      '-w',
    ]);
    expect(p.command).toBe('start');
    expect(p.positionals).toEqual([]);
    expect(p.flags).toEqual({
      symbols: ['AAPL', 'MSFT', 'NVDA'],
      start: '2024-01-01',
      end: '2024-03-01',
      timeframes: ['1d', '1h'],
      adjusted: false,
      concurrency: 8,
      'idempotency-key': 'k-1',
      watch: true,
    });
    expect(() => checkFlags('start', p.given)).not.toThrow();
  });

  it('takes positionals anywhere and global flags with any command', () => {
    const p = parseArgs(['--api-url', 'http://x:1', 'status', '--json', 'job-1']);
    expect(p.command).toBe('status');
    expect(p.positionals).toEqual(['job-1']);
    expect(p.flags).toMatchObject({ 'api-url': 'http://x:1', json: true });
    expect(() => checkFlags('status', p.given)).not.toThrow();
  });

  it.each([
    [['start', '--frobnicate'], /unknown option --frobnicate/],
    [['start', '--concurrency', 'many'], /--concurrency must be a whole number/],
    [['start', '--symbols'], /--symbols needs a value/],
    [['start', '--symbols', '--start', 'x'], /--symbols needs a value/],
    [['watch', 'j', '--interval', '0'], /--interval must be a positive number/],
    [['start', '--no-symbols'], /unknown option --no-symbols/],
    [['start', '--watch=maybe'], /--watch takes no value/],
    [['start', '-z'], /unknown option -z/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it('rejects a flag the command does not take', () => {
    const p = parseArgs(['status', 'j', '--symbols', 'AAPL']);
    expect(() => checkFlags('status', p.given)).toThrow(/status does not take --symbols/);
  });
});
