import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';

describe('loadConfig', () => {
  it('gives working local defaults', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/backfill');
    expect(c.API_PORT).toBe(8000);
    expect(c.polygonApiKey).toBeUndefined();
    expect(c.apiKeys).toEqual([]);
  });

  it('sizes the shared Polygon rate limit for the free plan only against the real API', () => {
    expect(loadConfig({ POLYGON_API_KEY: 'k' }).POLYGON_RATE_LIMIT_RPM).toBe(5);
    expect(loadConfig({ POLYGON_BASE_URL: 'https://api.polygon.io' }).POLYGON_RATE_LIMIT_RPM).toBe(5);
    expect(loadConfig({ POLYGON_BASE_URL: 'http://127.0.0.1:9100' }).POLYGON_RATE_LIMIT_RPM).toBe(0);
    expect(loadConfig({ POLYGON_BASE_URL: 'http://127.0.0.1:9100', POLYGON_RATE_LIMIT_RPM: '600' }).POLYGON_RATE_LIMIT_RPM).toBe(600);
  });

  it('accepts MASSIVE_API_KEY as the Polygon key and splits API_KEYS', () => {
    const c = loadConfig({ MASSIVE_API_KEY: 'mk', API_KEYS: 'a, b,,c' });
    expect(c.polygonApiKey).toBe('mk');
    expect(c.apiKeys).toEqual(['a', 'b', 'c']);
  });

  it('keeps validation and the coverage ledger on unless INGEST_COVERAGE (measurement only) turns them off', () => {
    expect(loadConfig({}).INGEST_COVERAGE).toBe(true);
    expect(loadConfig({ INGEST_COVERAGE: 'false' }).INGEST_COVERAGE).toBe(false);
  });

  it.each([
    ['API_PORT', 'eighty'],
    ['API_PORT', '70000'],
    ['DATABASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['JOB_DEFAULT_CONCURRENCY', '0'],
    ['POLYGON_PAGE_LIMIT', '50001'],
    ['POLYGON_SIM', 'maybe'],
    ['INGEST_COVERAGE', 'off'],
    ['WORKER_NICE', '-5'],
    ['WORKER_NICE', '20'],
  ])('stops on a wrong %s and names it', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable}:`));
  });

  it('leaves COVERAGE_SETTLE_MINUTES unset by default (11:00 New York the next day) and refuses a bad one by name', () => {
    expect(loadConfig({}).COVERAGE_SETTLE_MINUTES).toBeUndefined();
    expect(loadConfig({ COVERAGE_SETTLE_MINUTES: '90' }).COVERAGE_SETTLE_MINUTES).toBe(90);
    for (const bad of ['-1', '1.5', 'soon', String(14 * 24 * 60 + 1)]) {
      expect(() => loadConfig({ COVERAGE_SETTLE_MINUTES: bad })).toThrow(/COVERAGE_SETTLE_MINUTES/);
    }
  });

  it('never echoes a bad value, which may be a secret', () => {
    try {
      loadConfig({ DATABASE_URL: 'postgres-secret-password-123' });
      expect.unreachable();
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('secret-password');
    }
  });
});
