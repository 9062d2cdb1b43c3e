// The Temporal SDK's process-wide Runtime for the worker: its log lines (TypeScript side and, with
// `forward`, the Rust core's) go through pino, so they are JSON like ours and pass the same
// redaction; its metrics go to the SDK's own Prometheus exporter on a loopback port, which the
// worker's metrics endpoint scrapes and serves together with the product's (see worker-endpoint.ts).
import { createServer } from 'node:net';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

const SDK_LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** The SDK level that matches LOG_LEVEL; the SDK has no silent level, so 'silent'/'fatal' keep errors only. */
export function sdkLogLevel(level: Config['LOG_LEVEL']): LogLevel {
  if (level === 'trace' || level === 'debug') return 'DEBUG';
  if (level === 'info') return 'INFO';
  if (level === 'warn') return 'WARN';
  return 'ERROR';
}

/** Routes the SDK's log lines (worker, workflow `log`, forwarded core lines) into pino. */
export function sdkLogger(logger: Logger, level: LogLevel): DefaultLogger {
  const sdk = logger.child({ scope: 'temporal' });
  return new DefaultLogger(level, ({ level: l, message, meta }) => sdk[SDK_LEVELS[l]](meta ?? {}, message));
}

/** A free loopback port: the SDK's exporter needs a fixed address, and nothing outside this process reads it. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * Installs the Runtime once per process, before any connection or worker exists (the SDK refuses
 * later). Returns where the SDK's exporter serves its scrape.
 */
export async function installWorkerRuntime(config: Pick<Config, 'LOG_LEVEL' | 'WORKER_SDK_METRICS_PORT'>, logger: Logger): Promise<{ sdkMetricsUrl: string }> {
  const level = sdkLogLevel(config.LOG_LEVEL);
  const port = config.WORKER_SDK_METRICS_PORT ?? (await freeLoopbackPort());
  // Runtime handles SIGINT/SIGTERM: it asks every worker to shut down, and run() then resolves.
  Runtime.install({
    logger: sdkLogger(logger, level),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
      metrics: { prometheus: { bindAddress: `127.0.0.1:${port}`, useSecondsForDurations: true } },
    },
  });
  return { sdkMetricsUrl: `http://127.0.0.1:${port}/metrics` };
}
