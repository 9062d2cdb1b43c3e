export {
  type Timespan,
  type Timeframe,
  type BaseTimespan,
  SUPPORTED_TIMEFRAMES,
  MAX_MULTIPLIER,
  parseTimeframe,
  isValidTimeframe,
  timeframeOf,
  isTimespan,
  baseTimespan,
  maxBaseBarsPerBar,
  intradayBarMs,
} from './timeframes.js';
export type { Bar, AggsQuery, ResumeCursor, Page } from './types.js';
export { type BarColumns, allocColumns, noColumns, columnsOf, barAt, barsOf, sliceColumns, filterColumns } from './bar-columns.js';
export {
  type PolygonErrorCode,
  type PolygonErrorInit,
  PolygonError,
  RateLimitedError,
  TransientError,
  NotEntitledError,
  BadKeyError,
  BadRequestError,
  UnknownTickerError,
  MalformedResponseError,
  InvalidTimeframeError,
  isPolygonError,
} from './errors.js';
export {
  type PolygonClientOptions,
  type RequestInfo,
  PolygonClient,
  DEFAULT_LIMIT,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
} from './client.js';
export { parseAggsBody, type ParsedAggs } from './parse.js';
export { parseGroupedBody, type GroupedDay } from './grouped.js';
export { parseRetryAfter } from './responses.js';
export { redact } from './redact.js';
export { type Transport, type TransportRequest, type TransportResponse, createNodeTransport, createFetchTransport } from './transport.js';
export { DAY_MS, parseDateToDay, dayToDate, weekday, nyDayStartMs, nyDayOf, nyOffsetMinutes } from './time.js';
