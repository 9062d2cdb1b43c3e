import { parseDateToDay } from '../polygon/time.js';
import { checkTickers, type SimTickers, SimTickersError } from './tickers.js';

export interface SimFaults {
  /** Share of requests answered with a 5xx. */
  errorRate?: number;
  /** Share of requests delayed by `slowMs` before the answer (default 5000 ms). */
  slowRate?: number;
  slowMs?: number;
  /** Share answered 200 with a broken body: non-JSON, a bar with h < l, or a non-numeric price. */
  malformedRate?: number;
  /** Share whose body is cut short (with a matching Content-Length, as a proxy would). */
  truncatedRate?: number;
  /** Share whose connection is reset, before or in the middle of the response. */
  resetRate?: number;
  /** Requests starting before this New York date get 403 NOT_AUTHORIZED. */
  notAuthorizedBefore?: string;
  /** Tickers the "plan" does not cover: 403 NOT_AUTHORIZED. */
  notAuthorizedTickers?: string[];
  /** Tickers Polygon does not know: 200 with no results; 404 on the reference endpoint. */
  unknownTickers?: string[];
  /** Seed of the fault dice (data never depends on it). */
  seed?: number;
}

export interface SimOptions {
  /** Accepted keys. Empty or undefined: any non-empty key is accepted; a missing key is always 401. */
  apiKeys?: string[];
  /** Requests per minute per key over a sliding 60 s window before 429; 0 or undefined = unlimited. */
  rpm?: number;
  /**
   * Length of the sliding window (default 60 s); the window admits rpm x window / 60 s requests.
   * Tests shorten it so that a rate limit can be proven in seconds instead of minutes.
   */
  rateWindowMs?: number;
  /** Send `Retry-After` with 429s (default true). */
  retryAfter?: boolean;
  /** Added to every API response. */
  latencyMs?: number;
  faults?: SimFaults;
  /** Cap on results per response below what `limit` allows, forcing `next_url` pagination. */
  maxResultsPerPage?: number;
  /** Per-ticker listing date, missing sessions and bad bars (see SimTickerConfig). */
  tickers?: SimTickers;
  /**
   * The US stocks grouped daily answers for (besides the stock tickers of `tickers`); default
   * DEFAULT_UNIVERSE. Polygon's own answer holds every US stock; the simulator can only list names.
   */
  universe?: string[];
  /**
   * The simulator's "now" in Unix ms (default: the real clock): no bar starting after it is served,
   * as Polygon has no bar for minutes that have not happened. Tests pin it.
   */
  nowMs?: number;
}

export class SimOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimOptionsError';
  }
}

function rate(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0 && v <= 1)) throw new SimOptionsError(`${name} must be a number in [0, 1]`);
}

function nonNegative(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new SimOptionsError(`${name} must be a non-negative number`);
}

export function checkOptions(o: SimOptions): void {
  nonNegative('rpm', o.rpm);
  if (o.rateWindowMs !== undefined && !(Number.isFinite(o.rateWindowMs) && o.rateWindowMs >= 1)) {
    throw new SimOptionsError('rateWindowMs must be a positive number');
  }
  nonNegative('latencyMs', o.latencyMs);
  if (o.maxResultsPerPage !== undefined && !(Number.isInteger(o.maxResultsPerPage) && o.maxResultsPerPage >= 1)) {
    throw new SimOptionsError('maxResultsPerPage must be a positive integer');
  }
  nonNegative('nowMs', o.nowMs);
  if (o.universe !== undefined && !(Array.isArray(o.universe) && o.universe.every((t) => typeof t === 'string' && t.length > 0))) {
    throw new SimOptionsError('universe must be an array of tickers');
  }
  try {
    checkTickers(o.tickers);
  } catch (e) {
    if (e instanceof SimTickersError) throw new SimOptionsError(e.message);
    throw e;
  }
  const f = o.faults ?? {};
  rate('faults.errorRate', f.errorRate);
  rate('faults.slowRate', f.slowRate);
  rate('faults.malformedRate', f.malformedRate);
  rate('faults.truncatedRate', f.truncatedRate);
  rate('faults.resetRate', f.resetRate);
  nonNegative('faults.slowMs', f.slowMs);
  if (f.notAuthorizedBefore !== undefined && parseDateToDay(f.notAuthorizedBefore) === null) {
    throw new SimOptionsError('faults.notAuthorizedBefore must be YYYY-MM-DD');
  }
}

/** Shallow merge, except `faults`, which merges key by key so a test can flip one fault. */
export function mergeOptions(base: SimOptions, patch: Partial<SimOptions>): SimOptions {
  const out: SimOptions = { ...base, ...patch };
  if (patch.faults !== undefined) out.faults = { ...(base.faults ?? {}), ...patch.faults };
  checkOptions(out);
  return out;
}

const list = (s: string | undefined): string[] | undefined =>
  s === undefined || s.trim() === '' ? undefined : s.split(',').map((x) => x.trim()).filter(Boolean);

function num(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const s = env[name];
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new SimOptionsError(`${name} must be a number`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const s = env[name]?.trim().toLowerCase();
  if (s === undefined || s === '') return undefined;
  if (['1', 'true', 'yes'].includes(s)) return true;
  if (['0', 'false', 'no'].includes(s)) return false;
  throw new SimOptionsError(`${name} must be true or false`);
}

function jsonObject(env: NodeJS.ProcessEnv, name: string): unknown {
  const s = env[name];
  if (s === undefined || s.trim() === '') return undefined;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    throw new SimOptionsError(`${name} must be JSON`);
  }
}

export interface SimServeOptions extends SimOptions {
  port?: number;
  host?: string;
  /** Memory for generated series and serialized pages (default 256 MB). */
  cacheBytes?: number;
}

/** The simulator's settings from POLYGON_SIM_* variables (see README of the simulator in main.ts). */
export function simOptionsFromEnv(env: NodeJS.ProcessEnv): SimServeOptions {
  const out: SimServeOptions = {
    port: num(env, 'POLYGON_SIM_PORT') ?? num(env, 'PORT') ?? 9100,
    host: env.POLYGON_SIM_HOST?.trim() || '0.0.0.0',
    apiKeys: list(env.POLYGON_SIM_API_KEYS),
    rpm: num(env, 'POLYGON_SIM_RPM'),
    retryAfter: bool(env, 'POLYGON_SIM_RETRY_AFTER'),
    latencyMs: num(env, 'POLYGON_SIM_LATENCY_MS'),
    maxResultsPerPage: num(env, 'POLYGON_SIM_MAX_RESULTS_PER_PAGE'),
    tickers: jsonObject(env, 'POLYGON_SIM_TICKERS') as SimTickers | undefined,
    universe: list(env.POLYGON_SIM_UNIVERSE),
    faults: {
      errorRate: num(env, 'POLYGON_SIM_ERROR_RATE'),
      slowRate: num(env, 'POLYGON_SIM_SLOW_RATE'),
      slowMs: num(env, 'POLYGON_SIM_SLOW_MS'),
      malformedRate: num(env, 'POLYGON_SIM_MALFORMED_RATE'),
      truncatedRate: num(env, 'POLYGON_SIM_TRUNCATED_RATE'),
      resetRate: num(env, 'POLYGON_SIM_RESET_RATE'),
      notAuthorizedBefore: env.POLYGON_SIM_NOT_AUTHORIZED_BEFORE?.trim() || undefined,
      notAuthorizedTickers: list(env.POLYGON_SIM_NOT_AUTHORIZED_TICKERS),
      unknownTickers: list(env.POLYGON_SIM_UNKNOWN_TICKERS),
      seed: num(env, 'POLYGON_SIM_SEED'),
    },
  };
  const mb = num(env, 'POLYGON_SIM_CACHE_MB');
  if (mb !== undefined) out.cacheBytes = mb * 1024 * 1024;
  if (!Number.isInteger(out.port) || out.port! < 0 || out.port! > 65_535) throw new SimOptionsError('POLYGON_SIM_PORT / PORT must be a port number');
  checkOptions(out);
  return out;
}
