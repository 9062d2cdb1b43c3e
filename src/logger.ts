import { pino, type Logger as PinoLogger, type DestinationStream } from 'pino';
import type { Config } from './config.js';

export type Logger = PinoLogger;

// Secrets can reach a log line through config dumps, request headers or error objects; pino's
// redaction masks them by path wherever they sit (a few levels deep), so one careless
// `logger.info({ config })` or `{ req }` cannot leak a Polygon key or an API token.
const SECRET_KEYS = [
  'apiKey',
  'apikey',
  'api_key',
  'apiKeys',
  'polygonApiKey',
  'POLYGON_API_KEY',
  'MASSIVE_API_KEY',
  'API_KEYS',
  'authorization',
  'Authorization',
  'password',
  'token',
  'secret',
];
const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
  'DATABASE_URL',
  '*.DATABASE_URL',
];

export interface LoggerOptions {
  /** Fixed fields on every line (e.g. `{ component: 'worker' }`). */
  base?: Record<string, unknown>;
  /** Where lines go; stdout when absent (tests pass a stream to inspect lines). */
  destination?: DestinationStream;
}

/** JSON logger at config.LOG_LEVEL with every key-like field redacted. */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, opts: LoggerOptions = {}): Logger {
  return pino(
    {
      level: config.LOG_LEVEL,
      base: { pid: process.pid, ...opts.base },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination,
  );
}
