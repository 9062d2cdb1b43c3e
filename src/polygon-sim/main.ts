/**
 * `npm run polygon-sim`: the Polygon simulator as a process.
 *
 * Environment: POLYGON_SIM_PORT or PORT (default 9100), POLYGON_SIM_HOST (default 0.0.0.0),
 * POLYGON_SIM_API_KEYS (comma-separated; unset = any key), POLYGON_SIM_RPM, POLYGON_SIM_RETRY_AFTER,
 * POLYGON_SIM_LATENCY_MS, POLYGON_SIM_MAX_RESULTS_PER_PAGE, POLYGON_SIM_CACHE_MB, and the faults:
 * POLYGON_SIM_ERROR_RATE, _SLOW_RATE, _SLOW_MS, _MALFORMED_RATE, _TRUNCATED_RATE, _RESET_RATE,
 * _NOT_AUTHORIZED_BEFORE (YYYY-MM-DD), _NOT_AUTHORIZED_TICKERS, _UNKNOWN_TICKERS, _SEED.
 */
import { simOptionsFromEnv, SimOptionsError } from './options.js';
import { startPolygonSim } from './start.js';

async function main(): Promise<void> {
  let opts;
  try {
    opts = simOptionsFromEnv(process.env);
  } catch (e) {
    if (e instanceof SimOptionsError) {
      process.stderr.write(`polygon-sim: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const sim = await startPolygonSim(opts);
  process.stdout.write(`polygon-sim listening on ${sim.url} (keys: ${opts.apiKeys?.length ? `${opts.apiKeys.length} configured` : 'any'})\n`);
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
