// Where an endpoint's signing secret comes from. WEBHOOK_SECRET, when set, signs every endpoint
// and nothing is stored. Otherwise the first job or schedule that names an endpoint gets a new
// secret (shown to that caller once), kept in Postgres sealed under WEBHOOK_SECRETS_KEY when it is
// set. The secret is read here, by the API at registration and by the delivery activity at send
// time: it never enters a workflow's input, a history, a log line or a later API answer.
import type { Config } from '../config.js';
import type { Queryable } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { ensureWebhookEndpoint } from '../db/webhook-endpoint-ensure.js';
import { webhookEndpointSecret } from '../db/webhook-endpoint-secret.js';
import { seal, unseal } from './seal.js';
import { generateSecret } from './sign.js';

type SecretConfig = Pick<Config, 'webhookSecret' | 'webhookSealKey'>;

/** `config`: WEBHOOK_SECRET signs it; `generated`: `secret` is new and shown now only; `existing`: it was shown before. */
export type EndpointRegistration = { source: 'config'; secret: null } | { source: 'generated'; secret: string } | { source: 'existing'; secret: null };

export async function registerEndpoint(db: Queryable, config: SecretConfig, url: string, logger?: Logger): Promise<EndpointRegistration> {
  if (config.webhookSecret) return { source: 'config', secret: null };
  const secret = generateSecret();
  const key = config.webhookSealKey;
  const created = await ensureWebhookEndpoint(db, { url, secret: key ? seal(key, secret) : secret, sealed: !!key });
  if (created && !key) {
    // Said when it happens rather than at every start: most deployments never name a webhook.
    // The origin only: a webhook URL's path or query often carries a token of its own.
    logger?.warn({ endpoint: new URL(url).origin }, 'webhook secret generated and stored in clear in Postgres: set WEBHOOK_SECRETS_KEY to seal generated secrets');
  }
  return created ? { source: 'generated', secret } : { source: 'existing', secret: null };
}

export class MissingWebhookSecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingWebhookSecretError';
  }
}

/** The secret that signs deliveries to `url`. */
export async function endpointSecret(db: Queryable, config: SecretConfig, url: string): Promise<string> {
  if (config.webhookSecret) return config.webhookSecret;
  const row = await webhookEndpointSecret(db, url);
  if (!row) throw new MissingWebhookSecretError('no secret is registered for this webhook endpoint and WEBHOOK_SECRET is not set');
  if (!row.sealed) return row.secret;
  if (!config.webhookSealKey) throw new MissingWebhookSecretError("the endpoint's secret is sealed but WEBHOOK_SECRETS_KEY is not set on this process");
  return unseal(config.webhookSealKey, row.secret);
}
