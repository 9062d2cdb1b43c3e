import { isCancellation, log, patched, proxyActivities, uuid4, type ActivityOptions } from '@temporalio/workflow';
import type { BackfillActivities, DeliverWebhookInput, DeliverWebhookOutput } from '../activities/index.js';
import { WEBHOOK_FINAL_FAILURES, webhookEventFor, type FinalJobStatus } from './vocabulary.js';
import type { WebhookTarget } from './messages.js';

// One activity attempt is one HTTP attempt (10 s at most, plus its Postgres writes). The backoff is
// Temporal's: 2 s, 4 s, 8 s ... up to 10 minutes between attempts, without a count limit; the
// activity itself stops (non-retryable) once WEBHOOK_RETRY_HOURS have passed, a config value the
// workflow cannot read.
const deliverWebhook = (input: DeliverWebhookInput) => proxyActivities<BackfillActivities>(DELIVERY_OPTIONS).deliverWebhook(input);
const DELIVERY_OPTIONS = {
  startToCloseTimeout: '1 minute',
  // The activity heartbeats every second while its HTTP attempt waits.
  heartbeatTimeout: '5 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '10 minutes',
    nonRetryableErrorTypes: [...WEBHOOK_FINAL_FAILURES],
  },
} satisfies ActivityOptions;

/**
 * Announces a job's final status to its endpoint (a no-op without one). The delivery id is made
 * here, deterministically (the workflow's seeded uuid4), so every attempt and every replay sends the
 * same `webhook-id`. A delivery that ends failed is recorded in Postgres and logged; it never fails
 * the job. Histories recorded before webhooks existed never reach the patch: they have no webhook.
 */
export async function announceOutcome(jobId: string, webhook: WebhookTarget | undefined, status: FinalJobStatus): Promise<void> {
  if (!webhook || !patched('webhook-on-outcome')) return;
  const input: DeliverWebhookInput = { jobId, deliveryId: `msg_${uuid4()}`, event: webhookEventFor(status), url: webhook.url };
  try {
    await deliverWebhook(input);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('webhook not delivered', { deliveryId: input.deliveryId, event: input.event, reason: (err as Error).message });
  }
}

export const workflowIdForRedelivery = (deliveryId: string): string => `webhook-redeliver-${deliveryId}`;

/** A manual redelivery (POST .../webhooks/{id}/redeliver): the same delivery, same id and body, retried as the original was. */
export async function WebhookRedeliveryWorkflow(input: DeliverWebhookInput): Promise<DeliverWebhookOutput | null> {
  try {
    return await deliverWebhook(input);
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.warn('webhook redelivery failed', { deliveryId: input.deliveryId, reason: (err as Error).message });
    return null;
  }
}
