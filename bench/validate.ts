// Micro-benchmark of the page validator (src/ingest/validate.ts) against the page parse and the COPY
// encoder it runs beside, same process, same pages, single thread, no I/O:
//   npx tsx bench/validate.ts [ticker] [from] [to] [rounds]
// Pages are the simulator's minute bars (about 20,000 bars a month). Prints ns per bar of each step
// and the validator's cost as a share of parse + encode.
import { CalendarSet } from '../src/calendar/index.js';
import { encodeBarsBinary } from '../src/db/copy-binary.js';
import { pageValidationFor } from '../src/ingest/validate-context.js';
import { validatePage } from '../src/ingest/validate.js';
import { parseAggsBody } from '../src/polygon/index.js';
import { BarSource, expectedBars } from '../src/polygon-sim/index.js';
import { median } from './stats.js';

const [ticker = 'AAPL', from = '2024-01-01', to = '2024-03-31', roundsArg = '7'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const calendars = new CalendarSet();
const source = new BarSource({ cacheBytes: 256 * 1024 * 1024 });

// One body per month, as the worker would receive them.
const bodies: Array<{ text: string; from: string; to: string }> = [];
for (let m = new Date(`${from}T00:00:00Z`); m.toISOString().slice(0, 10) <= to; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1))) {
  const a = m.toISOString().slice(0, 10);
  const end = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
  const b = end < to ? end : to;
  bodies.push({ text: JSON.stringify({ ticker, status: 'OK', results: expectedBars(ticker, '1m', a, b, true, source) }), from: a, to: b });
}

const ns = { parse: [] as number[], validate: [] as number[], encode: [] as number[] };
let bars = 0;
let sink = 0;
for (let r = 0; r < rounds; r++) {
  let parse = 0n;
  let validate = 0n;
  let encode = 0n;
  bars = 0;
  for (const body of bodies) {
    const t0 = process.hrtime.bigint();
    const page = parseAggsBody(body.text, -Infinity);
    const t1 = process.hrtime.bigint();
    const violations = validatePage(page.bars, pageValidationFor(calendars, { ticker, timeframe: '1m', from: body.from, to: body.to }));
    const t2 = process.hrtime.bigint();
    const copy = encodeBarsBinary(page.bars);
    const t3 = process.hrtime.bigint();
    parse += t1 - t0;
    validate += t2 - t1;
    encode += t3 - t2;
    bars += page.bars.length;
    sink += violations.length + copy.length;
  }
  ns.parse.push(Number(parse) / bars);
  ns.validate.push(Number(validate) / bars);
  ns.encode.push(Number(encode) / bars);
}
const p = median(ns.parse);
const v = median(ns.validate);
const e = median(ns.encode);
console.log(`${ticker} 1m ${from}..${to}: ${bodies.length} pages, ${bars} bars, median of ${rounds} rounds (first includes warm-up)`);
console.log(`  parse     ${p.toFixed(1)} ns/bar`);
console.log(`  validate  ${v.toFixed(1)} ns/bar  (${((100 * v) / p).toFixed(1)}% of parse, ${((100 * v) / (p + e)).toFixed(1)}% of parse + encode)`);
console.log(`  encode    ${e.toFixed(1)} ns/bar`);
if (sink < 0) console.log(sink);
