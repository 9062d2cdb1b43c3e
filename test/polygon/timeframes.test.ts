import { describe, expect, it } from 'vitest';
import { InvalidTimeframeError, isValidTimeframe, parseTimeframe, SUPPORTED_TIMEFRAMES } from '../../src/polygon/index.js';

describe('parseTimeframe', () => {
  it('maps every product timeframe to multiplier + timespan', () => {
    const got = SUPPORTED_TIMEFRAMES.map((l) => {
      const tf = parseTimeframe(l);
      return `${tf.label}=${tf.multiplier}/${tf.timespan}`;
    });
    expect(got).toEqual(['1m=1/minute', '5m=5/minute', '15m=15/minute', '30m=30/minute', '1h=1/hour', '4h=4/hour', '1d=1/day', '1w=1/week', '1mo=1/month']);
  });

  it('accepts any N<unit>', () => {
    expect(parseTimeframe('10s')).toEqual({ label: '10s', multiplier: 10, timespan: 'second' });
    expect(parseTimeframe('2q')).toEqual({ label: '2q', multiplier: 2, timespan: 'quarter' });
    expect(parseTimeframe('1y')).toEqual({ label: '1y', multiplier: 1, timespan: 'year' });
    expect(parseTimeframe('3mo')).toEqual({ label: '3mo', multiplier: 3, timespan: 'month' });
    expect(parseTimeframe('90m')).toEqual({ label: '90m', multiplier: 90, timespan: 'minute' });
    expect(parseTimeframe('2w').timespan).toBe('week');
  });

  it.each(['', 'm', '0m', '05m', '1M', '1min', '1.5h', '-1d', ' 1m', '1m ', '1x', '100001m', 'mo1'])('rejects %j with a clear error', (bad) => {
    let err: unknown;
    try {
      parseTimeframe(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidTimeframeError);
    const e = err as InvalidTimeframeError;
    expect(e.code).toBe('invalid_timeframe');
    expect(e.value).toBe(bad);
    expect(e.message).toContain(JSON.stringify(bad));
    expect(e.message).toContain('mo (month)');
    expect(e.message).toContain('1m 5m 15m 30m 1h 4h 1d 1w 1mo');
    expect(isValidTimeframe(bad)).toBe(false);
  });

  it('isValidTimeframe agrees with parseTimeframe', () => {
    for (const l of SUPPORTED_TIMEFRAMES) expect(isValidTimeframe(l)).toBe(true);
  });
});
