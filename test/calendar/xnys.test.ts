import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TradingCalendar } from '../../src/calendar/index.js';

interface Published {
  kind: 'closed' | 'early';
  name: string;
}

// The exchange's published schedule, typed in by hand (sources in the file's header).
function publishedTable(): Map<string, Published> {
  const text = readFileSync(new URL('../fixtures/calendar/xnys-2000-2026.csv', import.meta.url), 'utf8');
  const rows = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  expect(rows.shift()).toBe('date,kind,name');
  const out = new Map<string, Published>();
  for (const row of rows) {
    const [date, kind, ...name] = row.split(',');
    if (kind !== 'closed' && kind !== 'early') throw new Error(`bad kind in ${row}`);
    expect(out.has(date!), `duplicate row ${date}`).toBe(false);
    out.set(date!, { kind, name: name.join(',') });
  }
  return out;
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('XNYS against the published 2000-2026 schedule', () => {
  const table = publishedTable();
  const cal = new TradingCalendar('XNYS');

  it('has every closure and every early close of the table, and nothing else', () => {
    const closedWrong: string[] = [];
    const earlyWrong: string[] = [];
    let sessions = 0;
    let weekdays = 0;
    for (let d = Date.UTC(2000, 0, 1); d < Date.UTC(2027, 0, 1); d += 86_400_000) {
      const date = new Date(d).toISOString().slice(0, 10);
      const wd = new Date(d).getUTCDay();
      const want = table.get(date);
      const s = cal.session(date);
      const wantClosed = wd === 0 || wd === 6 || want?.kind === 'closed';
      if (wantClosed !== (s === null)) closedWrong.push(`${date}: published ${wantClosed ? 'closed' : 'open'}`);
      if (s !== null && s.earlyClose !== (want?.kind === 'early')) earlyWrong.push(`${date}: published ${want?.kind === 'early' ? '' : 'not '}early`);
      if (s !== null) sessions++;
      if (wd !== 0 && wd !== 6) weekdays++;
    }
    expect(closedWrong).toEqual([]);
    expect(earlyWrong).toEqual([]);
    // Every weekday is a session but the table's closures (the table lists weekdays only).
    const closedRows = [...table.values()].filter((r) => r.kind === 'closed').length;
    expect(weekdays).toBe(7044);
    expect(sessions).toBe(weekdays - closedRows);
  });

  it('names the closures (weekend, holiday, special closure)', () => {
    expect(cal.closure('2024-07-06')).toBe('weekend');
    expect(cal.closure('2012-10-29')).toBe('Hurricane Sandy');
    expect(cal.closure('2025-01-09')).toBe('President Carter day of mourning');
    expect(cal.closure('2022-06-20')).toBe('Juneteenth National Independence Day');
    expect(cal.closure('2021-06-18')).toBeNull();
    expect(cal.closure('2024-07-05')).toBeNull();
  });

  it('closes the regular session at 13:00 and the extended one at 17:00 on early days', () => {
    const s = cal.session('2024-11-29')!;
    expect([iso(s.extendedOpen), iso(s.open), iso(s.close), iso(s.extendedClose)]).toEqual([
      '2024-11-29T09:00:00.000Z', '2024-11-29T14:30:00.000Z', '2024-11-29T18:00:00.000Z', '2024-11-29T22:00:00.000Z',
    ]);
    expect([s.minutes, s.extendedMinutes, s.earlyClose]).toEqual([210, 780, true]);
    const full = cal.session('2024-11-27')!;
    expect([full.minutes, full.extendedMinutes, full.earlyClose]).toEqual([390, 960, false]);
  });
});

describe('sessions across DST', () => {
  const cal = new TradingCalendar('XNYS');

  it('keeps 04:00/09:30/16:00/20:00 New York on both sides of the March switch', () => {
    const fri = cal.session('2024-03-08')!;
    const mon = cal.session('2024-03-11')!;
    expect([iso(fri.extendedOpen), iso(fri.open), iso(fri.close), iso(fri.extendedClose)]).toEqual([
      '2024-03-08T09:00:00.000Z', '2024-03-08T14:30:00.000Z', '2024-03-08T21:00:00.000Z', '2024-03-09T01:00:00.000Z',
    ]);
    expect([iso(mon.extendedOpen), iso(mon.open), iso(mon.close), iso(mon.extendedClose)]).toEqual([
      '2024-03-11T08:00:00.000Z', '2024-03-11T13:30:00.000Z', '2024-03-11T20:00:00.000Z', '2024-03-12T00:00:00.000Z',
    ]);
    expect(iso(mon.dayStart)).toBe('2024-03-11T04:00:00.000Z');
    expect(iso(fri.dayStart)).toBe('2024-03-08T05:00:00.000Z');
  });

  it('moves back in November (2024-11-01 EDT, 2024-11-04 EST), and used the old April rule in 2006', () => {
    expect(iso(cal.session('2024-11-01')!.open)).toBe('2024-11-01T13:30:00.000Z');
    expect(iso(cal.session('2024-11-04')!.open)).toBe('2024-11-04T14:30:00.000Z');
    // 2006: DST began on the first Sunday of April (Apr 2), not in March.
    expect(iso(cal.session('2006-03-31')!.open)).toBe('2006-03-31T14:30:00.000Z');
    expect(iso(cal.session('2006-04-03')!.open)).toBe('2006-04-03T13:30:00.000Z');
  });

  it('maps instants to New York dates at the midnights around a switch', () => {
    expect(cal.nyDateOf(Date.parse('2024-03-10T04:59:59.999Z'))).toBe('2024-03-09');
    expect(cal.nyDateOf(Date.parse('2024-03-10T05:00:00.000Z'))).toBe('2024-03-10');
    expect(cal.nyDateOf(Date.parse('2024-03-11T03:59:59.999Z'))).toBe('2024-03-10');
    expect(cal.nyDateOf(Date.parse('2024-03-11T04:00:00.000Z'))).toBe('2024-03-11');
    expect(cal.nyDateOf(Date.parse('2024-11-04T04:59:59.999Z'))).toBe('2024-11-03');
    expect(cal.nyDateOf(Date.parse('2024-11-04T05:00:00.000Z'))).toBe('2024-11-04');
  });

  it('gives crypto New York days of 23, 24 and 25 hours', () => {
    const crypto = new TradingCalendar('CRYPTO');
    const hours = (d: string): number => crypto.session(d)!.minutes / 60;
    expect([hours('2024-03-10'), hours('2024-03-11'), hours('2024-11-03')]).toEqual([23, 24, 25]);
    expect(crypto.isSession('2024-12-25')).toBe(true);
    expect(crypto.isSession('2024-07-06')).toBe(true);
  });
});

describe('walking sessions', () => {
  const cal = new TradingCalendar('XNYS');

  it('finds the next and previous session over holidays and weekends', () => {
    expect(cal.nextSession('2024-12-24').date).toBe('2024-12-26');
    expect(cal.nextSession('2001-09-10').date).toBe('2001-09-17');
    expect(cal.previousSession('2001-09-17').date).toBe('2001-09-10');
    expect(cal.previousSession('2024-01-02').date).toBe('2023-12-29');
    expect(cal.nextSession('2024-03-28').date).toBe('2024-04-01');
  });

  it('lists the sessions of a range, both ends inclusive', () => {
    expect(cal.sessionsBetween('2024-12-20', '2024-12-31').map((s) => s.date)).toEqual([
      '2024-12-20', '2024-12-23', '2024-12-24', '2024-12-26', '2024-12-27', '2024-12-30', '2024-12-31',
    ]);
    expect(cal.sessionCount('2024-01-01', '2024-12-31')).toBe(252);
    expect(cal.sessionsBetween('2024-12-31', '2024-12-20')).toEqual([]);
  });

  it('accepts epoch days and rejects what is not a date', () => {
    expect(cal.session(19_724)!.date).toBe('2024-01-02');
    expect(() => cal.session('2024-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => cal.session(1.5)).toThrow(/epoch day/);
  });

  it('finds the session holding an instant, extended hours included', () => {
    expect(cal.sessionAt(Date.parse('2024-07-03T08:00:00Z'))?.date).toBe('2024-07-03');
    expect(cal.sessionAt(Date.parse('2024-07-03T07:59:00Z'))).toBeNull();
    expect(cal.sessionAt(Date.parse('2024-07-03T20:59:00Z'))?.date).toBe('2024-07-03');
    expect(cal.sessionAt(Date.parse('2024-07-03T21:00:00Z'))).toBeNull();
    expect(cal.sessionAt(Date.parse('2024-07-04T15:00:00Z'))).toBeNull();
  });
});

describe('beyond the table', () => {
  it('keeps applying the rules (2027: Saturday Juneteenth and Christmas observed on Fridays)', () => {
    const cal = new TradingCalendar('XNYS');
    const closed: string[] = [];
    const early: string[] = [];
    for (let d = Date.UTC(2027, 0, 1); d < Date.UTC(2028, 0, 1); d += 86_400_000) {
      const date = new Date(d).toISOString().slice(0, 10);
      const wd = new Date(d).getUTCDay();
      const s = cal.session(date);
      if (s === null && wd !== 0 && wd !== 6) closed.push(date);
      if (s?.earlyClose) early.push(date);
    }
    expect(closed).toEqual(['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24']);
    expect(early).toEqual(['2027-11-26']);
  });
});
