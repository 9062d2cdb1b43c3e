import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { reopenWebhookDelivery } from '../src/db/webhook-delivery-reopen.js';
import { createLinks } from '../src/api/presenters.js';
import type { Config } from '../src/config.js';
import { createWebhookDelivery } from '../src/db/webhook-delivery-create.js';
import { loadWebhookDelivery } from '../src/db/webhook-delivery-load.js';
import { recordWebhookAttempt } from '../src/db/webhook-delivery-attempt.js';
import { attemptDelivery, buildEventBody, classifyError, classifyStatus, endpointSecrets, MissingWebhookSecretError, type AttemptVerdict, type EndpointSecrets } from '../src/webhooks/index.js';
import type { WebhookDeliveryStatus, WebhookEvent, WebhookFinalFailure } from '../workflows/vocabulary.js';
import type { ActivityDeps } from './deps.js';

export type WebhookConfig = Pick<
  Config,
  'WEBHOOK_RETRY_HOURS' | 'WEBHOOK_ALLOW_PRIVATE_NETWORKS' | 'webhookSecret' | 'webhookSealKey' | 'API_PUBLIC_URL' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'
>;

export interface DeliverWebhookInput {
  jobId: string;
  /** The Standard Webhooks `webhook-id`: chosen by the workflow, the same on every attempt. */
  deliveryId: string;
  event: WebhookEvent;
  /** The endpoint only; its secret is looked up here. */
  url: string;
  /** A manual redelivery: the first attempt reopens the delivery (pending, a fresh retry budget). */
  redeliver?: boolean;
}

export interface DeliverWebhookOutput {
  status: WebhookDeliveryStatus;
  attempts: number;
  httpStatus: number | null;
}


/**
 * One delivery attempt per activity attempt, so Temporal's retry policy is the backoff and a worker
 * that dies mid-attempt is retried by the next one. The delivery row (created by the first
 * attempt, with the event body it built) records every attempt; a delivery already delivered or
 * failed is not sent again. Retryable results throw a retryable failure until WEBHOOK_RETRY_HOURS
 * after the delivery's retry_from; then, or on a final answer, the delivery is marked failed and a
 * non-retryable failure ends the activity.
 */
export function createDeliverWebhook({ pool, config, logger }: Pick<ActivityDeps, 'pool' | 'logger'> & { config: WebhookConfig }) {
  const links = createLinks(config.API_PUBLIC_URL, config.TEMPORAL_UI_URL, config.TEMPORAL_NAMESPACE);
  return async function deliverWebhook(input: DeliverWebhookInput): Promise<DeliverWebhookOutput> {
    if (input.redeliver && Context.current().info.attempt === 1) await reopenWebhookDelivery(pool, input.jobId, input.deliveryId);
    const existing = await loadWebhookDelivery(pool, input.deliveryId);
    const d =
      existing ??
      (await createWebhookDelivery(pool, {
        deliveryId: input.deliveryId,
        jobId: input.jobId,
        eventType: input.event,
        url: input.url,
        body: JSON.stringify(await buildEventBody(pool, links, input.jobId, input.event, new Date())),
      }));
    if (d.status !== 'pending') return { status: d.status, attempts: d.attempts, httpStatus: d.lastStatus };

    const log = { jobId: d.jobId, deliveryId: d.deliveryId, event: d.eventType, attempt: d.attempts + 1 };
    let secrets: EndpointSecrets;
    try {
      secrets = await endpointSecrets(pool, config, d.url);
    } catch (err) {
      if (!(err instanceof MissingWebhookSecretError)) throw err;
      await recordWebhookAttempt(pool, { deliveryId: d.deliveryId, status: 'failed', httpStatus: null, error: err.message });
      throw ApplicationFailure.nonRetryable(err.message, 'webhook_no_secret' satisfies WebhookFinalFailure);
    }

    let verdict: AttemptVerdict;
    let httpStatus: number | null = null;
    let error: string | null = null;
    // Heartbeats while the attempt waits (up to 10 s): a worker that dies mid-attempt is noticed
    // within the heartbeat timeout, not the whole start-to-close timeout.
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      const answer = await attemptDelivery({ url: d.url, id: d.deliveryId, body: d.body, secret: secrets.secret, previousSecret: secrets.previous, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS });
      httpStatus = answer.status;
      verdict = classifyStatus(answer.status);
      if (verdict !== 'delivered') error = `HTTP ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`;
    } catch (err) {
      verdict = classifyError(err);
      const e = err as { name?: string; code?: string; message?: string };
      error = `${e.code ?? e.name ?? 'Error'}: ${e.message ?? String(err)}`;
    } finally {
      clearInterval(beat);
    }

    if (verdict === 'delivered') {
      await recordWebhookAttempt(pool, { deliveryId: d.deliveryId, status: 'delivered', httpStatus, error: null });
      logger.info({ ...log, httpStatus }, 'webhook delivered');
      return { status: 'delivered', attempts: d.attempts + 1, httpStatus };
    }
    const expired = Date.now() - d.retryFrom.getTime() >= config.WEBHOOK_RETRY_HOURS * 3_600_000;
    if (verdict === 'reject' || expired) {
      await recordWebhookAttempt(pool, { deliveryId: d.deliveryId, status: 'failed', httpStatus, error });
      logger.warn({ ...log, httpStatus, error }, verdict === 'reject' ? 'webhook refused: not retried' : 'webhook retries exhausted');
      throw ApplicationFailure.nonRetryable(error ?? 'webhook failed', (verdict === 'reject' ? 'webhook_rejected' : 'webhook_retries_exhausted') satisfies WebhookFinalFailure);
    }
    await recordWebhookAttempt(pool, { deliveryId: d.deliveryId, status: 'pending', httpStatus, error });
    logger.info({ ...log, httpStatus, error }, 'webhook attempt failed; will retry');
    throw ApplicationFailure.retryable(error ?? 'webhook attempt failed', 'webhook_retry');
  };
}
