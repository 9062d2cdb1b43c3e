import { SCHEDULE_USAGE } from './schedule-command.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:8000';

export const USAGE = `backfill: start, watch and steer Polygon OHLCV backfills through the REST API

Usage:
  backfill start --symbols AAPL,MSFT --start 2024-01-01 --end 2024-03-01
                 [--timeframes 1d,1h] [--adjusted | --no-adjusted] [--concurrency N]
                 [--reprocess missing|all] [--idempotency-key KEY] [--watch]
                                    --reprocess missing (default): fetch only the days not already
                                    stored as final; all: fetch everything again
                 [--strategy auto|per_ticker|grouped]
                                    auto (default): grouped daily (one request a session day for
                                    every symbol) when 1d US-stock bars cost fewer requests that way
  backfill plan --symbols AAPL,MSFT --start 2024-01-01 --end 2024-03-01 [--timeframes ..] ...
                                    the dry run: requests, sessions, bars and duration; starts nothing
  backfill status <job>             one look at a job: progress, bars, rate, failures
  backfill watch <job>              live progress until the job ends, then a summary
  backfill recent [--limit N] [--status STATUS]
  backfill retry <job> [--symbols AAPL,..] [--timeframes 1d,..] [--watch]
  backfill pause <job>
  backfill resume <job>
  backfill cancel <job>
  backfill coverage <symbol> --start 2024-01-01 --end 2024-12-31 [--timeframe 1d] [--no-adjusted]
                                    month-by-month calendar of what is stored, and the gaps
${SCHEDULE_USAGE}

Options:
  --api-url URL      the API (env BACKFILL_API_URL; default ${DEFAULT_API_URL})
  --api-key KEY      bearer key when the API requires one (env BACKFILL_API_KEY)
  --json             print the API's JSON instead of text (watch: live lines go to stderr)
  --interval SEC     seconds between polls while watching (default 1)
  --no-color         no colours (also NO_COLOR=1)
  -h, --help         this text

Exit codes:
  0 done · 1 bad usage, API error or API unreachable · 2 job ended with failed units
  (completed_with_errors or failed) · 3 job cancelled · 130 watch interrupted (the job goes on)
`;
