// The SDK's log lines (its TypeScript side and the core's, which the runtime forwards with
// `sdkComponent: 'core'`) go through pino: JSON, at the mapped level, with the same redaction as ours.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { sdkLogger, sdkLogLevel } from '../../src/metrics/sdk-runtime.js';

function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({ write: (c, _e, cb) => (lines.push(...String(c).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)), cb()) });
  return { lines, logger: createLogger({ LOG_LEVEL: level }, { destination, base: { component: 'worker' } }) };
}

describe('SDK logs through pino', () => {
  it('writes SDK lines as pino JSON with secrets redacted', () => {
    const { lines, logger } = capture('info');
    const sdk = sdkLogger(logger, sdkLogLevel('info'));
    sdk.warn('connection trouble', { sdkComponent: 'core', target: 'temporalio_client', apiKey: 'pk-secret-1', headers: { authorization: 'Bearer pk-secret-2' } });
    sdk.debug('below the level', { sdkComponent: 'core' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, component: 'worker', scope: 'temporal', sdkComponent: 'core', msg: 'connection trouble', apiKey: '[redacted]' });
    expect(JSON.stringify(lines)).not.toContain('pk-secret');
  });

  it('maps LOG_LEVEL onto the SDK levels', () => {
    expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => sdkLogLevel(l as 'info'))).toEqual(['DEBUG', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'ERROR', 'ERROR']);
  });
});
