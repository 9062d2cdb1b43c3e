// Where an endpoint's signing secret comes from. WEBHOOK_SECRET, when set, signs every endpoint
// and nothing is stored. Otherwise the first job or schedule that names an endpoint gets a new
// secret (shown to that caller once), kept in Postgres sealed under WEBHOOK_SECRETS_KEY when it is
// set; a rotation replaces it (shown once too) and keeps the old one for a grace. The secret is read here, by the API at registration and by the delivery activity at send
// time: it never enters a workflow's input, a history, a log line or a later API answer.
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { ensureWebhookEndpoint } from '../db/webhook-endpoint-ensure.js';
import { rotateWebhookEndpointSecret } from '../db/webhook-endpoint-rotate.js';
import { webhookEndpointSecret, type StoredSecret } from '../db/webhook-endpoint-secret.js';
import { seal, unseal } from './seal.js';
import { generateSecret } from './sign.js';

type SecretConfig = Pick<Config, 'webhookSecret' | 'webhookSealKey'>;

/** `config`: WEBHOOK_SECRET signs it; `generated`: `secret` is new and shown now only; `existing`: it was shown before. */
export type EndpointRegistration = { source: 'config'; secret: null } | { source: 'generated'; secret: string } | { source: 'existing'; secret: null };

export async function registerEndpoint(db: Queryable, config: SecretConfig, url: string, logger?: Logger): Promise<EndpointRegistration> {
  if (config.webhookSecret) return { source: 'config', secret: null };
  const secret = generateSecret();
  const created = await ensureWebhookEndpoint(db, { url, ...stored(config, secret) });
  if (created) warnInClear(config, url, logger);
  return created ? { source: 'generated', secret } : { source: 'existing', secret: null };
}

/** A secret as it is stored: sealed under the key when one is configured. */
function stored(config: SecretConfig, secret: string): StoredSecret {
  const key = config.webhookSealKey;
  return { secret: key ? seal(key, secret) : secret, sealed: !!key };
}

function warnInClear(config: SecretConfig, url: string, logger: Logger | undefined): void {
  if (config.webhookSealKey) return;
  // Said when it happens rather than at every start: most deployments never name a webhook.
  // The origin only: a webhook URL's path or query often carries a token of its own.
  logger?.warn({ endpoint: new URL(url).origin }, 'webhook secret generated and stored in clear in Postgres: set WEBHOOK_SECRETS_KEY to seal generated secrets');
}

/** WEBHOOK_SECRET is set: it signs every endpoint, so there is no per-endpoint secret to replace. */
export class ConfiguredSecretError extends Error {
  constructor() {
    super('WEBHOOK_SECRET is set and signs every endpoint: rotating it is a configuration change (set the new value on the API and the workers)');
    this.name = 'ConfiguredSecretError';
  }
}

/** `secret` is the new one, to be shown now only; the old one signs too until `previousValidUntil`. */
export interface Rotation {
  secret: string;
  previousValidUntil: Date;
}

/** A new generated secret for `url`; null when the endpoint has none (it was never named). */
export async function rotateEndpointSecret(db: Queryable, config: SecretConfig, url: string, graceHours: number, logger?: Logger): Promise<Rotation | null> {
  if (config.webhookSecret) throw new ConfiguredSecretError();
  const secret = generateSecret();
  const rotated = await rotateWebhookEndpointSecret(db, { url, ...stored(config, secret), graceHours });
  if (!rotated) return null;
  logger?.info({ endpoint: new URL(url).origin, grace_hours: graceHours, previous_valid_until: rotated.previousValidUntil.toISOString() }, 'webhook secret rotated');
  warnInClear(config, url, logger);
  return { secret, previousValidUntil: rotated.previousValidUntil };
}

export class MissingWebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingWebhookSecretError';
  }
}

/** What signs deliveries to `url`: its secret, and the one a rotation replaced while its grace lasts. */
export interface EndpointSecrets {
  secret: string;
  previous: string | null;
}

export async function endpointSecrets(db: Queryable, config: SecretConfig, url: string): Promise<EndpointSecrets> {
  if (config.webhookSecret) return { secret: config.webhookSecret, previous: null };
  const row = await webhookEndpointSecret(db, url);
  if (!row) throw new MissingWebhookSecretError('no secret is registered for this webhook endpoint and WEBHOOK_SECRET is not set');
  return { secret: opened(config, row), previous: row.previous ? opened(config, row.previous) : null };
}

function opened(config: SecretConfig, s: StoredSecret): string {
  if (!s.sealed) return s.secret;
  if (!config.webhookSealKey) throw new MissingWebhookSecretError("the endpoint's secret is sealed but WEBHOOK_SECRETS_KEY is not set on this process");
  return unseal(config.webhookSealKey, s.secret);
}
