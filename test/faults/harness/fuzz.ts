// Hostile input for POST /api/v1/backfill and the other routes: grammar-based (fields built from a
// grammar of valid and nearly-valid values) and random (bytes, mutations of valid bodies, broken
// encodings), every case derived from one seed so that a run can be replayed exactly.
import type { Rng } from './random.js';

export interface FuzzCase {
  n: number;
  kind: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const VALID_TICKERS = ['AAPL', 'MSFT', 'BRK.A', 'BRK.B', 'X:BTCUSD', 'C:EURUSD', 'I:SPX', 'O:AAPL250117C00150000', 'ALLpB', 'aapl', ' MSFT ', 'GOOGL', 'F'];
const BAD_TICKERS: unknown[] = [
  '', ' ', 'A'.repeat(33), 'A'.repeat(5000), 'AAPL MSFT', 'AA PL', '$AAPL', 'AAPL;', "'; DROP TABLE jobs;--", '" OR 1=1 --', '<script>alert(1)</script>',
  '../../etc/passwd', '%00', 'AAPL\u0000', '\u202eLPAA', 'ÄPFEL', '😀', '\ud800', 'X:', 'C:EUR', 'O:BAD', 'I:', 'a.b.c', '.AAPL', 'AAPL.', '1AAPL', '${jndi:ldap://x}',
  '{{7*7}}', 'AAPL\nMSFT', 'AAPL\r\n', null, 0, 1, -1, 1e308, true, false, {}, [], ['AAPL'], { ticker: 'AAPL' }, NaN,
];
const VALID_TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w', '1mo', '2d', '1q', '1y', '10s', '9999s', ' 1h '];
/** Well-formed `N<unit>` labels whose bars are too big for one request of 50,000 base bars. */
const HUGE_TIMEFRAMES = ['1000h', '9999h', '300h', '9999w', '999mo', '999q', '50y', '9999y'];
const BAD_TIMEFRAMES: unknown[] = ['', '0m', '-1m', '1', 'm', '1.5h', '1e3m', '10000m', '1M', '1H', 'minute', '1 m', '1mm', '1mon', 'Infinity', '1m;', "1m' OR '1'='1", null, 1, {}, [], true, '1\u0000m'];
const BAD_DATES: unknown[] = [
  '', '2024-1-02', '2024/01/02', '02-01-2024', '2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-01-32', '0000-01-01', '1969-12-31', '9999-12-31',
  '2024-01-02T00:00:00Z', '2024-01-02 ', ' 2024-01-02', '２０２４-01-02', '2024-01-02\u0000', 'yesterday', 'now', null, 20240102, 1704153600000, {}, [], true,
  "2024-01-02'; --", '+2024-01-02', '-2024-01-02', '10000-01-01',
];

function isoDaysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

function validDate(r: Rng): string {
  return r.pick([isoDaysAgo(r.int(1, 4000)), '2024-01-02', '2024-02-29', '2020-03-09', '1970-01-01', isoDaysAgo(0), isoDaysAgo(1)]);
}

function futureDate(r: Rng): string {
  return r.pick([isoDaysAgo(-1), isoDaysAgo(-r.int(2, 3000)), '2999-01-01']);
}

/** A field value: mostly valid, sometimes nearly valid, sometimes absurd. */
function symbols(r: Rng): unknown {
  const roll = r.next();
  if (roll < 0.45) return Array.from({ length: r.int(1, 4) }, () => r.pick(VALID_TICKERS));
  if (roll < 0.75) {
    const list: unknown[] = Array.from({ length: r.int(0, 3) }, () => r.pick(VALID_TICKERS));
    list.splice(r.int(0, list.length), 0, r.pick(BAD_TICKERS));
    return list;
  }
  if (roll < 0.8) return [];
  if (roll < 0.85) return Array.from({ length: r.pick([101, 10_001, 20_000]) }, (_, i) => `T${i}`);
  if (roll < 0.9) return r.pick(['AAPL', 'AAPL,MSFT', null, 42, {}, true]);
  if (roll < 0.95) return Array.from({ length: r.int(2, 50) }, () => 'AAPL');
  return [[['AAPL']]];
}

function timeframes(r: Rng): unknown {
  const roll = r.next();
  if (roll < 0.55) return Array.from({ length: r.int(1, 3) }, () => r.pick(VALID_TIMEFRAMES));
  if (roll < 0.62) return [r.pick(HUGE_TIMEFRAMES)];
  if (roll < 0.8) return [r.pick(VALID_TIMEFRAMES), r.pick(BAD_TIMEFRAMES)];
  if (roll < 0.85) return [];
  if (roll < 0.9) return Array.from({ length: 17 + r.int(0, 100) }, (_, i) => `${i + 1}m`);
  return r.pick(['1h', null, 5, {}, '1h,1d']);
}

function date(r: Rng): unknown {
  const roll = r.next();
  if (roll < 0.7) return validDate(r);
  if (roll < 0.8) return futureDate(r);
  return r.pick(BAD_DATES);
}

function scalarish(r: Rng, good: unknown[], bad: unknown[]): unknown {
  return r.chance(0.7) ? r.pick(good) : r.pick(bad);
}

/** A JSON object built from the grammar: each field present or absent, valid or not. */
export function grammarBody(r: Rng): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (r.chance(0.95)) body.symbols = symbols(r);
  if (r.chance(0.93)) body.start_date = date(r);
  if (r.chance(0.93)) body.end_date = r.chance(0.6) && typeof body.start_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(body.start_date) ? body.start_date : date(r);
  if (r.chance(0.7)) body.timeframes = timeframes(r);
  if (r.chance(0.4)) body.adjusted = scalarish(r, [true, false], ['true', 1, 0, null, 'yes', {}, []]);
  if (r.chance(0.4)) body.concurrency = scalarish(r, [1, 2, 4, 16, 64], [0, -1, 1.5, 65, 1000, 1e9, '4', null, NaN, Infinity, [], {}, 2 ** 53 + 1]);
  if (r.chance(0.08)) body[r.pick(['symbol', 'extra', 'job_id', 'status', '__proto__', 'constructor', 'prototype', 'Symbols', 'START_DATE'])] = r.pick([1, 'x', { polluted: true }, null]);
  return body;
}

/** Percent-encodes like encodeURIComponent, but a lone surrogate becomes its (invalid) UTF-8 bytes instead of throwing. */
function pct(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...s]
      .map((ch) => {
        const u = ch.charCodeAt(0);
        if (ch.length === 1 && u >= 0xd800 && u <= 0xdfff) return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        return encodeURIComponent(ch);
      })
      .join('');
  }
}

function queryPart(r: Rng, key: string, v: unknown): string[] {
  const enc = (s: string) => (r.chance(0.9) ? pct(s) : s.replace(/&/g, '%26'));
  if (Array.isArray(v)) {
    if (r.chance(0.5)) return v.map((x) => `${key}=${enc(String(x))}`);
    return [`${key}=${enc(v.map(String).join(','))}`];
  }
  return [`${key}=${enc(String(v))}`];
}

/** The old query-string form built from the same grammar, plus broken encodings. */
export function grammarQuery(r: Rng): string {
  const b = grammarBody(r);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(b)) parts.push(...queryPart(r, k, v));
  if (r.chance(0.1)) parts.push(r.pick(['%ZZ=1', 'symbols=%E0%A4%A', 'symbols', '=', '&&&', 'start_date=2024-01-02&start_date=2024-01-03', 'a[b]=c', 'symbols[]=AAPL', `x=${'y'.repeat(r.int(100, 20_000))}`]));
  return r.shuffle(parts).join('&');
}

function mutate(r: Rng, s: string): string {
  const chars = [...s];
  const n = r.int(1, 4);
  for (let i = 0; i < n && chars.length; i++) {
    const at = r.int(0, chars.length - 1);
    const op = r.int(0, 3);
    if (op === 0) chars.splice(at, 1);
    else if (op === 1) chars.splice(at, 0, r.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'null', '1e999', '-', '\n', '\ud83d']));
    else if (op === 2) chars[at] = String.fromCharCode(r.int(0, 0xffff));
    else chars.length = at;
  }
  return chars.join('');
}

function randomBytes(r: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = r.int(0, 255);
  return b;
}

const JSON_CT = { 'content-type': 'application/json' };

/** One case of the POST /api/v1/backfill fuzz (body or query-string form). */
export function backfillCase(r: Rng, n: number): FuzzCase {
  const roll = r.next();
  const base = '/api/v1/backfill';
  const idem: Record<string, string> = {};
  if (r.chance(0.1)) {
    const v = r.pick(['k', `key-${r.int(0, 5)}`, 'x'.repeat(r.int(1, 600)), '\u00e9t\u00e9', ' ', '../../']);
    // Fetch and app.request refuse non-Latin-1 header values; send those percent-encoded.
    idem['idempotency-key'] = /[^\x20-\x7e]/.test(v) ? encodeURIComponent(v) : v;
  }
  if (roll < 0.55) return { n, kind: 'grammar-body', method: 'POST', path: base, headers: { ...JSON_CT, ...idem }, body: JSON.stringify(grammarBody(r)) };
  if (roll < 0.72) return { n, kind: 'grammar-query', method: 'POST', path: `${base}?${grammarQuery(r)}`, headers: { ...idem } };
  if (roll < 0.84) return { n, kind: 'mutated-body', method: 'POST', path: base, headers: { ...JSON_CT, ...idem }, body: mutate(r, JSON.stringify(grammarBody(r))) };
  if (roll < 0.88) return { n, kind: 'random-bytes', method: 'POST', path: base, headers: r.chance(0.7) ? JSON_CT : {}, body: randomBytes(r, r.int(0, 2048)) };
  if (roll < 0.91) {
    const depth = r.pick([64, 1000, 5000]);
    return { n, kind: 'deep-nesting', method: 'POST', path: base, headers: JSON_CT, body: `{"symbols":${'['.repeat(depth)}"AAPL"${']'.repeat(depth)},"start_date":"2024-01-02","end_date":"2024-01-03"}` };
  }
  if (roll < 0.93) {
    const size = r.pick([1_100_000, 2_000_000]);
    return { n, kind: 'huge-body', method: 'POST', path: base, headers: JSON_CT, body: JSON.stringify({ symbols: ['AAPL'], start_date: '2024-01-02', end_date: '2024-01-03', pad: 'x'.repeat(size) }) };
  }
  if (roll < 0.96) {
    const scalar = r.pick(['null', '1', '"AAPL"', '[]', '[{"symbols":["AAPL"]}]', 'true', '', ' ', '\ufeff{}', '{"symbols":["AAPL"],"symbols":["MSFT"],"start_date":"2024-01-02","end_date":"2024-01-03"}']);
    return { n, kind: 'json-scalar', method: 'POST', path: base, headers: JSON_CT, body: scalar };
  }
  const ct = r.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/xml', 'application/json;;;', '']);
  return { n, kind: 'content-type', method: 'POST', path: base, headers: ct ? { 'content-type': ct } : {}, body: JSON.stringify(grammarBody(r)) };
}

/** A control action with a fuzzed body on a real job (which has no worker in the fuzz scenario). */
export function controlCase(r: Rng, n: number, jobId: string): FuzzCase {
  const action = r.pick(['retry', 'pause', 'resume', 'cancel']);
  const body = r.chance(0.6) ? JSON.stringify(r.pick([{}, { symbols: symbols(r) }, { timeframes: timeframes(r) }, { symbols: ['AAPL'], timeframes: ['1d'] }, { extra: 1 }, [], null])) : r.pick(['', '{', 'x', '\u0000']);
  return { n, kind: `control-${action}-real-job`, method: 'POST', path: `/api/v1/backfill/${jobId}/${action}`, headers: JSON_CT, body };
}

const IDS = ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', "1' OR '1'='1", '%2e%2e%2f', '..', 'ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ', '3F1C2D4E-5A6B-4C7D-8E9F-0A1B2C3D4E5F', 'a'.repeat(3000), '%00', '%F0%9F%98%80'];

/**
 * Cases for the other routes: status, units, recent, retry/pause/resume/cancel, unknown paths and
 * methods. Real job ids (`knownJobIds`) are used for reads; control actions get unknown or broken
 * ids here (on a real job they wait for a worker: see controlCase).
 */
export function otherRouteCase(r: Rng, n: number, knownJobIds: string[]): FuzzCase {
  const known = knownJobIds.length && r.chance(0.3) ? r.pick(knownJobIds) : undefined;
  const id = known ?? r.pick(IDS);
  const controlId = r.pick(IDS);
  const q = (pairs: Array<[string, unknown]>) => pairs.filter(() => r.chance(0.7)).map(([k, v]) => `${k}=${pct(String(v))}`).join('&');
  const roll = r.next();
  if (roll < 0.2) return { n, kind: 'status', method: 'GET', path: `/api/v1/backfill/status/${id}`, headers: {} };
  if (roll < 0.35) {
    const qs = q([['status', r.pick(['failed', 'completed', 'FAILED', 'x', '', "' OR 1=1"])], ['cursor', r.pick(['', 'abc', 'x'.repeat(100), 'eyJ1IjoxfQ', '-1', '%%'])], ['limit', r.pick(['1', '0', '-5', '1000', '1001', '1e3', 'abc', '99999999999'])]]);
    return { n, kind: 'units', method: 'GET', path: `/api/v1/backfill/${id}/units${qs ? `?${qs}` : ''}`, headers: {} };
  }
  if (roll < 0.5) {
    const qs = q([['limit', r.pick(['1', '10', '100', '101', '0', '-1', 'abc', '1.5', ''])], ['status', r.pick(['running', 'completed', 'nope', '', 'completed_with_errors'])], ['extra', '1']]);
    return { n, kind: 'recent', method: 'GET', path: `/api/v1/backfill/recent${qs ? `?${qs}` : ''}`, headers: {} };
  }
  if (roll < 0.75) {
    const action = r.pick(['retry', 'pause', 'resume', 'cancel']);
    const body = r.chance(0.5) ? JSON.stringify(r.pick([{}, { symbols: symbols(r) }, { timeframes: timeframes(r) }, { symbols: ['AAPL'], timeframes: ['1d'] }, { extra: 1 }, []])) : r.pick(['', '{', 'null', 'x']);
    return { n, kind: `control-${action}`, method: 'POST', path: `/api/v1/backfill/${controlId}/${action}`, headers: JSON_CT, body };
  }
  if (roll < 0.88) {
    const method = r.pick(['PUT', 'DELETE', 'PATCH', 'GET'] as const);
    return { n, kind: 'wrong-method', method, path: r.pick(['/api/v1/backfill', `/api/v1/backfill/${id}`, '/api/v1/backfill/status', '/api/v1/backfill/recent/x']), headers: JSON_CT, body: method === 'GET' ? undefined : '{}' };
  }
  return { n, kind: 'unknown-path', method: r.pick(['GET', 'POST'] as const), path: r.pick(['/api/v1/nope', '/api/v2/backfill', '/api/v1/backfill/status/', '/api/v1/backfill//status', '/api/v1/backfill/%ZZ', '/api/../../etc/passwd', `/api/v1/${'x/'.repeat(200)}`]), headers: {} };
}
