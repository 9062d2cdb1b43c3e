import { z } from 'zod';

const REAL_POLYGON_HOSTS = ['api.polygon.io', 'api.massive.com'];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const url = z.string().url();

const schema = z.object({
  DATABASE_URL: url.default('postgres://postgres@127.0.0.1:5432/backfill'),
  PG_POOL_MAX: int(1, 200).default(10),

  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('backfill'),
  TEMPORAL_UI_URL: url.default('http://localhost:8233'),

  POLYGON_API_KEY: z.string().min(1).optional(),
  MASSIVE_API_KEY: z.string().min(1).optional(),
  POLYGON_BASE_URL: url.default('https://api.massive.com'),
  /** Requests per minute shared by every worker; 0 = unlimited. Default depends on the target (see below). */
  POLYGON_RATE_LIMIT_RPM: int(0).optional(),
  POLYGON_PAGE_LIMIT: int(1, 50_000).default(50_000),
  POLYGON_CONNECT_TIMEOUT_MS: int(1).default(5_000),
  POLYGON_REQUEST_TIMEOUT_MS: int(1).default(60_000),
  /**
   * When a fetched session day is final (reprocess "missing" skips only final days): fetched at or
   * after its extended close plus this many minutes. Unset: 11:00 New York the next day, when
   * Polygon's own files for the day are final (src/coverage/settle.ts).
   */
  COVERAGE_SETTLE_MINUTES: int(0, 14 * 24 * 60).optional(),

  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_PORT: int(0, 65_535).default(8000),
  /** Comma-separated bearer tokens; when set every /api route requires one. */
  API_KEYS: z.string().optional(),
  API_MAX_SYMBOLS: int(1).default(10_000),
  API_MAX_BODY_BYTES: int(1_024).default(1_048_576),
  API_CORS_ORIGINS: z.string().optional(),
  API_PUBLIC_URL: url.optional(),
  /** Requests a minute per client (API key, else address) on /api, per API process; 0 = no limit. */
  API_RATE_LIMIT_RPM: int(0).default(6_000),
  /** Requests a client may send at once before API_RATE_LIMIT_RPM applies. */
  API_RATE_LIMIT_BURST: int(1).default(2_000),

  JOB_DEFAULT_CONCURRENCY: int(1, 1_000).default(4),
  JOB_MAX_CONCURRENCY: int(1, 1_000).default(64),
  /** How long a job with failed units stays open for `retryFailed` before it closes. */
  JOB_RETRY_WINDOW_SECONDS: int(0).default(900),
  /** A job estimated to take longer than this at POLYGON_RATE_LIMIT_RPM is refused unless `force` is set. */
  JOB_MAX_ESTIMATED_HOURS: int(1).default(72),
  UNIT_DEADLINE_SECONDS: int(1).default(3_600),
  UNIT_HEARTBEAT_TIMEOUT_SECONDS: int(1).default(30),

  WORKER_MAX_CONCURRENT_ACTIVITIES: int(1, 10_000).default(64),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: int(1, 1_000).default(20),
  /**
   * The worker's nice value (0 = normal, 19 = lowest): ingest is bulk work, so on a shared host the
   * API and Postgres get the CPU first. Only lowering is allowed (raising needs privilege).
   */
  WORKER_NICE: int(0, 19).default(10),
  /**
   * A prebuilt workflow bundle (bundleWorkflowCode output). Unset: the compiled worker loads the one
   * `npm run build` wrote next to it; run from sources, the worker bundles workflows/ at start.
   */
  WORKER_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** The worker's Prometheus endpoint (/metrics: product and Temporal SDK metrics; /healthz); 0 picks a free port. */
  WORKER_METRICS_PORT: int(0, 65_535).default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  /** Loopback port of the SDK's own exporter, which /metrics merges in; a free one when unset. */
  WORKER_SDK_METRICS_PORT: int(1, 65_535).optional(),

  /**
   * For measurement only (the bench's ledger-cost figure): `false` skips validation and the coverage
   * ledger on ingest, so their cost can be measured against the product without them. A worker
   * running with it off stores bars the ledger never hears of; never set it in production.
   */
  INGEST_COVERAGE: bool.default(true),
  /**
   * Completion webhooks. WEBHOOK_SECRET (a Standard Webhooks `whsec_` secret) signs every endpoint;
   * unset, each endpoint gets its own generated secret, shown once when a job or schedule first
   * names it and stored sealed under WEBHOOK_SECRETS_KEY (32 bytes, base64 or hex) when that is set.
   */
  WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/, 'must be whsec_ followed by at least 24 base64 bytes').optional(),
  WEBHOOK_SECRETS_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== null, 'must be 32 bytes, as 64 hex digits or base64')
    .optional(),
  /** A delivery is retried (timeouts, connection errors, 408, 429, 5xx) for this long, then marked failed. */
  WEBHOOK_RETRY_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  /** Allows endpoints on private, loopback and link-local addresses (the dev stack and tests set it). */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool.default(false),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  POLYGON_SIM: bool.optional(),
});

export type Env = z.infer<typeof schema>;

/** A 32-byte key written as 64 hex digits or as base64; null when it is neither. */
function decodeKey(v: string): Buffer | null {
  const b = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, 'hex') : Buffer.from(v, 'base64');
  return b.length === 32 ? b : null;
}

export interface Config extends Omit<Env, 'POLYGON_API_KEY' | 'MASSIVE_API_KEY' | 'POLYGON_RATE_LIMIT_RPM' | 'API_KEYS' | 'WEBHOOK_SECRET' | 'WEBHOOK_SECRETS_KEY'> {
  /** The Polygon key, from POLYGON_API_KEY or MASSIVE_API_KEY. Never log or return it. */
  polygonApiKey: string | undefined;
  /** True when POLYGON_BASE_URL points at the real Polygon/Massive API. */
  polygonIsReal: boolean;
  POLYGON_RATE_LIMIT_RPM: number;
  apiKeys: string[];
  /** WEBHOOK_SECRET. Never log, store or return it. */
  webhookSecret: string | undefined;
  /** WEBHOOK_SECRETS_KEY, decoded: seals generated endpoint secrets in Postgres. */
  webhookSealKey: Buffer | undefined;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment once at start-up; a bad value names its variable and stops the process. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    // The message never echoes the value: it may be a secret.
    throw new ConfigError(variable, issue.message);
  }
  const e = parsed.data;
  const polygonIsReal = REAL_POLYGON_HOSTS.includes(new URL(e.POLYGON_BASE_URL).hostname);
  const polygonApiKey = e.POLYGON_API_KEY ?? e.MASSIVE_API_KEY;
  // The free plan allows 5 requests/minute; the simulator is unlimited unless asked otherwise.
  const rpm = e.POLYGON_RATE_LIMIT_RPM ?? (polygonIsReal ? 5 : 0);
  const { POLYGON_API_KEY: _a, MASSIVE_API_KEY: _b, API_KEYS, WEBHOOK_SECRET, WEBHOOK_SECRETS_KEY, ...rest } = e;
  return {
    ...rest,
    polygonApiKey,
    polygonIsReal,
    POLYGON_RATE_LIMIT_RPM: rpm,
    apiKeys: (API_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    webhookSecret: WEBHOOK_SECRET,
    webhookSealKey: WEBHOOK_SECRETS_KEY === undefined ? undefined : decodeKey(WEBHOOK_SECRETS_KEY)!,
  };
}

/** Every environment variable the service reads (docker-compose and docs are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);
