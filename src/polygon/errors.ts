/**
 * Errors typed by what the caller should do next. `retryable` is the one bit the activity layer
 * needs to choose between backing off and failing the unit with a named reason (`code`).
 */
export type PolygonErrorCode =
  | 'rate_limited'
  | 'upstream_error'
  | 'not_entitled'
  | 'bad_key'
  | 'bad_request'
  | 'unknown_ticker'
  | 'bad_payload';

export interface PolygonErrorInit {
  /** HTTP status of the response that caused it; null when no response arrived. */
  status?: number | null;
  requestId?: string | null;
  /** Request path and query, never containing the API key. */
  path?: string | null;
  cause?: unknown;
}

export class PolygonError extends Error {
  readonly code: PolygonErrorCode;
  readonly retryable: boolean;
  readonly status: number | null;
  readonly requestId: string | null;
  readonly path: string | null;

  constructor(code: PolygonErrorCode, retryable: boolean, message: string, init: PolygonErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'PolygonError';
    this.code = code;
    this.retryable = retryable;
    this.status = init.status ?? null;
    this.requestId = init.requestId ?? null;
    this.path = init.path ?? null;
  }

  /** A plain, key-free shape for logs and for Temporal failure details. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      retryable: this.retryable,
      message: this.message,
      status: this.status,
      requestId: this.requestId,
      path: this.path,
    };
  }
}

/** 429. `retryAfterMs` comes from `Retry-After` when the server sent one; null means "pick your own backoff". */
export class RateLimitedError extends PolygonError {
  readonly retryAfterMs: number | null;
  constructor(message: string, retryAfterMs: number | null, init?: PolygonErrorInit) {
    super('rate_limited', true, message, init);
    this.name = 'RateLimitedError';
    this.retryAfterMs = retryAfterMs;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfterMs: this.retryAfterMs };
  }
}

/** 5xx, 408, timeouts, connection resets: the same request may well succeed later. */
export class TransientError extends PolygonError {
  constructor(message: string, init?: PolygonErrorInit) {
    super('upstream_error', true, message, init);
    this.name = 'TransientError';
  }
}

/** `NOT_AUTHORIZED` / 403: the plan does not cover this ticker or range; retrying cannot help. */
export class NotEntitledError extends PolygonError {
  constructor(message: string, init?: PolygonErrorInit) {
    super('not_entitled', false, message, init);
    this.name = 'NotEntitledError';
  }
}

/** 401, or no key configured at all. */
export class BadKeyError extends PolygonError {
  constructor(message: string, init?: PolygonErrorInit) {
    super('bad_key', false, message, init);
    this.name = 'BadKeyError';
  }
}

/** 400, 404, `status: "ERROR"`, or a query the client refuses to send. */
export class BadRequestError extends PolygonError {
  constructor(message: string, init?: PolygonErrorInit) {
    super('bad_request', false, message, init);
    this.name = 'BadRequestError';
  }
}

/**
 * Raised only when a query has produced no bar at all AND the reference endpoint
 * (`/v3/reference/tickers/{ticker}`) answers 404 for the ticker. An empty series for a ticker that
 * exists (a holiday, a range before listing) is not an error. See client.ts.
 */
export class UnknownTickerError extends PolygonError {
  readonly ticker: string;
  constructor(ticker: string, init?: PolygonErrorInit) {
    super('unknown_ticker', false, `Unknown ticker "${ticker}": the reference endpoint does not know it`, init);
    this.name = 'UnknownTickerError';
    this.ticker = ticker;
  }
}

/**
 * Non-JSON, truncated, or bars that break the contract (non-finite numbers, h < l, out of order).
 * Retryable: a truncated or proxy-mangled body usually comes back whole on the next try; data that
 * is broken for good exhausts the caller's retry budget and the unit fails as `bad_payload`.
 */
export class MalformedResponseError extends PolygonError {
  constructor(message: string, init?: PolygonErrorInit) {
    super('bad_payload', true, message, init);
    this.name = 'MalformedResponseError';
  }
}

/** A timeframe label the product does not understand; raised before any request is made. */
export class InvalidTimeframeError extends Error {
  readonly code = 'invalid_timeframe' as const;
  readonly value: string;
  constructor(value: string, message: string) {
    super(message);
    this.name = 'InvalidTimeframeError';
    this.value = value;
  }
}

export function isPolygonError(e: unknown): e is PolygonError {
  return e instanceof PolygonError;
}
