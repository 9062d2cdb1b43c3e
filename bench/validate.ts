// Micro-benchmark of validation on ingest (src/ingest/validate.ts) and of the whole per-page ledger
// step (src/coverage/inspect-page.ts: validation + the page's day facts) against the page parse and
// the COPY encoder they run beside: same process, same pages, single thread, no I/O.
//   npx tsx bench/validate.ts [ticker] [from] [to] [rounds]
// Also used by `npm run bench -- --only ledger-cost`. Pages are the simulator's minute bars (one body
// a month, about 20,000 bars). Prints ns per bar of each step (fastest round) and their share of
// parse + encode.
import { pathToFileURL } from 'node:url';
import { CalendarSet } from '../src/calendar/index.js';
import { inspectPage } from '../src/coverage/inspect-page.js';
import { encodeBarsBinary } from '../src/db/copy-binary.js';
import { pageValidationFor } from '../src/ingest/validate-context.js';
import { validatePage } from '../src/ingest/validate.js';
import { parseAggsBody, parseDateToDay, type Page } from '../src/polygon/index.js';
import { BarSource, expectedBars } from '../src/polygon-sim/index.js';

export interface ValidateCost {
  ticker: string;
  from: string;
  to: string;
  pages: number;
  bars: number;
  rounds: number;
  /**
   * Fastest round, ns per bar: on a shared machine other processes only ever add time to a round
   * (preemption, cache misses), so the minimum is the closest to the work's own CPU cost.
   */
  parseNs: number;
  validateNs: number;
  /** validatePage + the ledger's day facts, as the worker runs them per page. */
  inspectNs: number;
  encodeNs: number;
}

export function measureValidation(ticker = 'AAPL', from = '2024-01-01', to = '2024-03-31', rounds = 7): ValidateCost {
  const calendars = new CalendarSet();
  const source = new BarSource({ cacheBytes: 256 * 1024 * 1024 });
  // One body per month, as the worker would receive them.
  // Bytes, as the worker's transport hands them to the parser.
  const bodies: Array<{ bytes: Buffer; from: string; to: string }> = [];
  for (let m = new Date(`${from}T00:00:00Z`); m.toISOString().slice(0, 10) <= to; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
    const a = m.toISOString().slice(0, 10);
    const end = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
    const b = end < to ? end : to;
    bodies.push({ bytes: Buffer.from(JSON.stringify({ ticker, status: 'OK', results: expectedBars(ticker, '1m', a, b, true, source) })), from: a, to: b });
  }

  const ns = { parse: [] as number[], validate: [] as number[], inspect: [] as number[], encode: [] as number[] };
  let bars = 0;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let parse = 0n;
    let validate = 0n;
    let inspect = 0n;
    let encode = 0n;
    bars = 0;
    for (const body of bodies) {
      const t0 = process.hrtime.bigint();
      const parsed = parseAggsBody(body.bytes, -Infinity);
      const t1 = process.hrtime.bigint();
      const scope = pageValidationFor(calendars, { ticker, timeframe: '1m', from: body.from, to: body.to });
      const violations = validatePage(parsed.bars, scope);
      const t2 = process.hrtime.bigint();
      const page: Page = { bars: parsed.bars, cursor: null, requestMs: 0, bytes: body.bytes.length, covers: { fromDay: parseDateToDay(body.from)!, toDay: parseDateToDay(body.to)! } };
      const inspected = inspectPage(page, null, scope);
      const t3 = process.hrtime.bigint();
      const copy = encodeBarsBinary(parsed.bars);
      const t4 = process.hrtime.bigint();
      parse += t1 - t0;
      validate += t2 - t1;
      inspect += t3 - t2;
      encode += t4 - t3;
      bars += parsed.bars.count;
      sink += violations.length + inspected.violations.length + copy.length;
    }
    ns.parse.push(Number(parse) / bars);
    ns.validate.push(Number(validate) / bars);
    ns.inspect.push(Number(inspect) / bars);
    ns.encode.push(Number(encode) / bars);
  }
  if (sink < 0) console.log(sink);
  return {
    ticker,
    from,
    to,
    pages: bodies.length,
    bars,
    rounds,
    parseNs: Math.min(...ns.parse),
    validateNs: Math.min(...ns.validate),
    inspectNs: Math.min(...ns.inspect),
    encodeNs: Math.min(...ns.encode),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [ticker = 'AAPL', from = '2024-01-01', to = '2024-03-31', roundsArg = '7'] = process.argv.slice(2);
  const c = measureValidation(ticker, from, to, Number(roundsArg));
  const pe = c.parseNs + c.encodeNs;
  console.log(`${ticker} 1m ${from}..${to}: ${c.pages} pages, ${c.bars} bars, fastest of ${c.rounds} rounds`);
  console.log(`  parse     ${c.parseNs.toFixed(1)} ns/bar`);
  console.log(`  validate  ${c.validateNs.toFixed(1)} ns/bar  (${((100 * c.validateNs) / c.parseNs).toFixed(1)}% of parse, ${((100 * c.validateNs) / pe).toFixed(1)}% of parse + encode)`);
  console.log(`  inspect   ${c.inspectNs.toFixed(1)} ns/bar  (validate + day facts; ${((100 * c.inspectNs) / pe).toFixed(1)}% of parse + encode)`);
  console.log(`  encode    ${c.encodeNs.toFixed(1)} ns/bar`);
}
