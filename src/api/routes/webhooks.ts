// A job's webhook deliveries: what was sent, how often, and the last answer; manual redelivery,
// which runs the same delivery (same webhook-id and body) in a workflow of its own; and the
// rotation of an endpoint's generated secret.
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { getJob } from '../../db/job-queries.js';
import { listWebhookDeliveries } from '../../db/webhook-deliveries-list.js';
import { loadWebhookDelivery } from '../../db/webhook-delivery-load.js';
import type { WebhookDeliveryRow } from '../../db/webhook-delivery-row.js';
import { WebhookRedeliveryWorkflow, workflowIdForRedelivery } from '../../../workflows/webhook.js';
import type { Services } from '../context.js';
import { ApiError, conflict, fromTemporalError, notFound } from '../errors.js';
import { parseJsonBody } from '../json-body.js';
import { iso } from '../presenters.js';
import { createRouter, errorSpec, openapiSelfValidated } from '../router.js';
import { jobIdParam } from '../schemas.js';
import { deliveryParams, redeliverResponse, rotateSecretBodyOf, secretRotation, webhookDeliveries, type WebhookDeliveryJson } from '../webhook-schemas.js';
import { ConfiguredSecretError, rotateEndpointSecret } from '../../webhooks/secrets.js';

export function deliveryJson(d: WebhookDeliveryRow): WebhookDeliveryJson {
  return {
    delivery_id: d.deliveryId,
    event: d.eventType,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    last_status: d.lastStatus,
    last_error: d.lastError,
    last_attempt_at: iso(d.lastAttemptAt),
    delivered_at: iso(d.deliveredAt),
    created_at: d.createdAt.toISOString(),
  };
}

const listRoute = createRoute({
  method: 'get',
  path: '/api/v1/backfill/{job_id}/webhooks',
  tags: ['webhooks'],
  summary: "A job's webhook deliveries, oldest first",
  request: { params: jobIdParam },
  responses: {
    200: { description: 'Deliveries (none when the job names no webhook or has not ended)', content: { 'application/json': { schema: webhookDeliveries } } },
    400: errorSpec('job_id is not a UUID'),
    401: errorSpec('Missing or wrong API key'),
    404: errorSpec('No such job'),
  },
});

const redeliverRoute = createRoute({
  method: 'post',
  path: '/api/v1/backfill/{job_id}/webhooks/{delivery_id}/redeliver',
  tags: ['webhooks'],
  summary: 'Send a delivery again (same webhook-id and body; a fresh WEBHOOK_RETRY_HOURS of retries)',
  request: { params: deliveryParams },
  responses: {
    202: { description: 'Redelivery started', content: { 'application/json': { schema: redeliverResponse } } },
    400: errorSpec('job_id or delivery_id is malformed'),
    401: errorSpec('Missing or wrong API key'),
    404: errorSpec('No such job or delivery'),
    409: errorSpec('The delivery is still being attempted'),
    503: errorSpec('Temporal unavailable: nothing was started'),
  },
});

function rotateRoute(body: ReturnType<typeof rotateSecretBodyOf>) {
  return createRoute({
    method: 'post',
    path: '/api/v1/webhooks/rotate-secret',
    tags: ['webhooks'],
    summary: "Replace an endpoint's generated secret; the old one keeps signing for grace_hours",
    description:
      'The new `whsec_` secret is in this answer only. Until `previous_valid_until` every delivery to the endpoint carries two ' +
      'signatures (`webhook-signature: v1,<new> v1,<old>`), so a receiver verifies with either secret; then only the new one. ' +
      'A second rotation within the grace drops the first one\'s old secret.',
    request: { body: { required: true, content: { 'application/json': { schema: body } } } },
    responses: {
      200: { description: 'Rotated', content: { 'application/json': { schema: secretRotation } } },
      400: errorSpec('Bad body, url or grace_hours; `field` names it'),
      401: errorSpec('Missing or wrong API key'),
      404: errorSpec('No job or schedule has named this endpoint, so it has no generated secret'),
      409: errorSpec('WEBHOOK_SECRET is set: it signs every endpoint, and rotating it is a configuration change'),
    },
  });
}

export function webhookRoutes(svc: Services) {
  const app = createRouter();
  const rotateBody = rotateSecretBodyOf(svc.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);

  openapiSelfValidated(app, rotateRoute(rotateBody), async (c) => {
    const { url, grace_hours } = await parseJsonBody(c, rotateBody);
    let rotated;
    try {
      rotated = await rotateEndpointSecret(svc.pool, svc.config, url, grace_hours, c.get('logger'));
    } catch (err) {
      if (err instanceof ConfiguredSecretError) throw new ApiError(409, 'conflict', err.message, 'url');
      throw err;
    }
    if (!rotated) throw new ApiError(404, 'not_found', 'url: no job or schedule has named this endpoint, so it has no generated secret to rotate', 'url');
    // The answer holds a secret: no cache (a proxy's, the browser's) may keep it.
    c.header('cache-control', 'no-store');
    return c.json({ url, secret: rotated.secret, previous_valid_until: rotated.previousValidUntil.toISOString() }, 200);
  });

  app.openapi(listRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    if (!(await getJob(svc.pool, job_id))) throw notFound(`job ${job_id} not found`);
    const rows = await listWebhookDeliveries(svc.pool, job_id);
    return c.json({ job_id, deliveries: rows.map(deliveryJson), count: rows.length }, 200);
  });

  app.openapi(redeliverRoute, async (c) => {
    const { job_id, delivery_id } = c.req.valid('param');
    const d = await loadWebhookDelivery(svc.pool, delivery_id);
    if (!d || d.jobId !== job_id) throw notFound(`job ${job_id} has no webhook delivery ${delivery_id}`);
    if (d.status === 'pending') throw conflict(`delivery ${delivery_id} is still pending (attempt ${d.attempts}); it is retried until it is delivered or fails`);
    const workflowId = workflowIdForRedelivery(delivery_id);
    try {
      await svc.temporal.withDeadline(Date.now() + 5_000, () =>
        svc.temporal.workflow.start(WebhookRedeliveryWorkflow, {
          workflowId,
          taskQueue: svc.config.TEMPORAL_TASK_QUEUE,
          args: [{ jobId: job_id, deliveryId: delivery_id, event: d.eventType, url: d.url, redeliver: true }],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        }),
      );
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
        const mapped = fromTemporalError(err);
        if (mapped) throw new ApiError(503, 'temporal_unavailable', `Temporal is unavailable; delivery ${delivery_id} was not redelivered. Send the request again.`);
        throw err;
      }
    }
    c.get('logger').info({ job_id, delivery_id }, 'webhook redelivery started');
    return c.json({ delivery: deliveryJson(d), workflow_id: workflowId, temporal_ui_url: svc.links.workflowUrl(workflowId) }, 202);
  });

  return app;
}
