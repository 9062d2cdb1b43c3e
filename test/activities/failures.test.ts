// toActivityFailure: what a unit attempt threw -> the failure Temporal acts on (type = FailureCode,
// retryable or not, delay). describeFailure: the failure the workflow sees -> the code and message stored.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { toActivityFailure } from '../../activities/failures.js';
import { describeFailure } from '../../workflows/failure.js';
import {
  BadKeyError,
  BadRequestError,
  InvalidTimeframeError,
  MalformedResponseError,
  NotEntitledError,
  RateLimitedError,
  TransientError,
  UnknownTickerError,
} from '../../src/polygon/index.js';
import { FAILURE_CODES } from '../../workflows/vocabulary.js';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('toActivityFailure', () => {
  it.each([
    ['429 with Retry-After', new RateLimitedError('slow down', 12_000), { type: 'rate_limited', nonRetryable: false, nextRetryDelay: 12_000 }],
    ['429 without Retry-After', new RateLimitedError('slow down', null), { type: 'rate_limited', nonRetryable: false, nextRetryDelay: undefined }],
    ['5xx / reset', new TransientError('502 bad gateway'), { type: 'upstream_error', nonRetryable: false }],
    ['malformed body', new MalformedResponseError('truncated JSON'), { type: 'bad_payload', nonRetryable: false }],
    ['403 not entitled', new NotEntitledError('plan'), { type: 'not_entitled', nonRetryable: true }],
    ['401 bad key', new BadKeyError('key'), { type: 'bad_key', nonRetryable: true }],
    ['400 bad request', new BadRequestError('range'), { type: 'bad_request', nonRetryable: true }],
    ['unknown ticker', new UnknownTickerError('ZZZZ'), { type: 'unknown_ticker', nonRetryable: true }],
    ['invalid timeframe', new InvalidTimeframeError('7q', 'bad timeframe 7q'), { type: 'bad_request', nonRetryable: true, message: 'bad timeframe 7q' }],
    ['Postgres data exception 22P02', pgError('22P02', 'invalid input syntax'), { type: 'bad_request', nonRetryable: true, message: 'rejected by Postgres (22P02): invalid input syntax' }],
    ['Postgres constraint violation 23514', pgError('23514', 'check violated'), { type: 'bad_request', nonRetryable: true }],
    ['Postgres connection ended 57P01', pgError('57P01', 'terminating connection'), { type: 'internal', nonRetryable: false, message: 'Error 57P01: terminating connection' }],
    ['socket reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), { type: 'internal', nonRetryable: false, message: 'Error ECONNRESET: read ECONNRESET' }],
    ['a plain TypeError', new TypeError('x is undefined'), { type: 'internal', nonRetryable: false, message: 'TypeError: x is undefined' }],
    ['a thrown string', 'boom', { type: 'internal', nonRetryable: false, message: 'Error: boom' }],
  ] as const)('%s', (_what, err, want) => {
    const f = toActivityFailure(err);
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f).toMatchObject(want);
    expect(FAILURE_CODES).toContain((f as ApplicationFailure).type);
  });

  it('keeps the Polygon error, key-free, as the failure details', () => {
    const f = toActivityFailure(new RateLimitedError('slow down', 5_000, { status: 429, path: '/v2/aggs/ticker/AAPL' })) as ApplicationFailure;
    expect(f.details).toEqual([expect.objectContaining({ code: 'rate_limited', status: 429, retryAfterMs: 5_000, path: '/v2/aggs/ticker/AAPL' })]);
  });

  it('passes Temporal failures through as they are', () => {
    const app = ApplicationFailure.create({ type: 'internal', message: 'superseded', nonRetryable: true });
    const cancelled = new CancelledFailure('cancelled');
    expect(toActivityFailure(app)).toBe(app);
    expect(toActivityFailure(cancelled)).toBe(cancelled);
  });
});

const activityFailure = (cause: Error) => new ActivityFailure('activity failed', 'backfillUnit', 'unit-0-AAPL-1d', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
const app = (type: string, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
const timeout = (cause?: Error) => Object.assign(new TimeoutFailure('activity ScheduleToClose timeout', undefined, 'SCHEDULE_TO_CLOSE'), { cause });

describe('describeFailure', () => {
  it.each([
    ['an activity failing with a FailureCode', activityFailure(app('not_entitled', 'plan')), { code: 'not_entitled', message: 'plan' }],
    ['a type that is not a FailureCode', activityFailure(app('SomethingElse', 'odd')), { code: 'internal', message: 'odd' }],
    ['an untyped application failure', activityFailure(ApplicationFailure.create({ message: 'untyped' })), { code: 'internal', message: 'untyped' }],
    [
      'the deadline, with the last attempt inside',
      activityFailure(timeout(app('rate_limited', '429 from Polygon'))),
      { code: 'rate_limited', message: 'unit deadline exceeded; last error: 429 from Polygon' },
    ],
    ['the deadline with no attempt failure', activityFailure(timeout()), { code: 'deadline_exceeded', message: 'unit deadline exceeded' }],
    ['an application failure thrown directly', app('bad_payload', 'broken bars'), { code: 'bad_payload', message: 'broken bars' }],
    ['anything else', new Error('what happened'), { code: 'internal', message: 'what happened' }],
    ['a non-error', 'text', { code: 'internal', message: 'text' }],
  ] as const)('%s', (_what, err, want) => {
    expect(describeFailure(err)).toEqual(want);
  });

  it('every failure code survives the round trip activity -> workflow', () => {
    for (const code of FAILURE_CODES) expect(describeFailure(activityFailure(app(code, `m ${code}`))).code).toBe(code);
  });
});
