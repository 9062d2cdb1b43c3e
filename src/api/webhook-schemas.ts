// Webhook shapes of the API: the `webhook` a job (or a schedule) names, the registration the POST
// answers with (the generated secret, once), the deliveries list and a secret's rotation.
import { z } from '@hono/zod-openapi';
import { checkWebhookUrl, WebhookAddressError } from '../webhooks/address.js';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENTS } from '../../workflows/vocabulary.js';

export const WEBHOOK_URL_MAX_LENGTH = 2_048;

/** A webhook URL: http(s), no credentials, not a private address unless WEBHOOK_ALLOW_PRIVATE_NETWORKS. */
function webhookUrlOf(allowPrivate: boolean) {
  return z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a URL string') })
    .max(WEBHOOK_URL_MAX_LENGTH, `at most ${WEBHOOK_URL_MAX_LENGTH} characters`)
    .superRefine((v, ctx) => {
      try {
        checkWebhookUrl(v, allowPrivate);
      } catch (err) {
        if (!(err instanceof WebhookAddressError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
      }
    })
    .openapi({ example: 'https://hooks.example.com/backfill' });
}

/** `{url}`: the endpoint a job or a schedule names. */
export function webhookTargetOf(allowPrivate: boolean) {
  return z
    .strictObject({ url: webhookUrlOf(allowPrivate) }, { error: (iss) => (iss.input === undefined ? 'is required' : 'must be an object with a url') })
    .openapi({
      description:
        'Endpoint told of the outcome: one signed POST (Standard Webhooks) per final status reached, events ' +
        WEBHOOK_EVENTS.join(', ') +
        '. The signing secret is WEBHOOK_SECRET, or one generated for the endpoint and returned once, by the first request that names it.',
    });
}

export const ROTATION_GRACE_HOURS_MAX = 168;
export const ROTATION_GRACE_HOURS_DEFAULT = 24;

/** `POST /api/v1/webhooks/rotate-secret`: which endpoint, and how long its old secret keeps signing. */
export function rotateSecretBodyOf(allowPrivate: boolean) {
  return z
    .strictObject(
      {
        url: webhookUrlOf(allowPrivate).openapi({ description: 'The endpoint, exactly as the job or schedule named it' }),
        grace_hours: z
          .number({ error: 'must be a whole number of hours' })
          .int('must be a whole number of hours')
          .min(0, `must be between 0 and ${ROTATION_GRACE_HOURS_MAX}`)
          .max(ROTATION_GRACE_HOURS_MAX, `must be between 0 and ${ROTATION_GRACE_HOURS_MAX}`)
          .default(ROTATION_GRACE_HOURS_DEFAULT)
          .openapi({ description: 'How long the old secret keeps signing deliveries (alongside the new one); 0 stops it at once' }),
      },
      { error: (iss) => (iss.input === undefined ? 'is required' : 'must be a JSON object') },
    )
    .openapi('WebhookRotateSecretRequest');
}

export const secretRotation = z
  .object({
    url: z.string(),
    secret: z.string().openapi({ description: 'The new whsec_ secret: shown now and never again' }),
    previous_valid_until: z.string().openapi({
      description: 'Until then every delivery carries a signature under the old secret and one under the new (`webhook-signature: v1,<new> v1,<old>`); after it, only the new',
    }),
  })
  .openapi('WebhookSecretRotation');

export const webhookRegistration = z
  .object({
    url: z.string(),
    secret_source: z.enum(['config', 'generated', 'existing']).openapi({
      description: '`config`: signed with the server\'s WEBHOOK_SECRET; `generated`: `secret` is new, shown now and never again; `existing`: the secret was returned when the endpoint was first named',
    }),
    secret: z.string().nullable().openapi({ description: 'The whsec_ secret to verify signatures with; only when secret_source is `generated`' }),
  })
  .openapi('WebhookRegistration');

export const webhookDelivery = z
  .object({
    delivery_id: z.string().openapi({ description: 'The `webhook-id` header of every attempt' }),
    event: z.enum(WEBHOOK_EVENTS),
    url: z.string(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_status: z.number().int().nullable().openapi({ description: "The last attempt's HTTP status; null when it got no answer" }),
    last_error: z.string().nullable(),
    last_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('WebhookDelivery');

export const webhookDeliveries = z
  .object({ job_id: z.string(), deliveries: z.array(webhookDelivery), count: z.number().int() })
  .openapi('WebhookDeliveries');

export const redeliverResponse = z
  .object({ delivery: webhookDelivery, workflow_id: z.string().openapi({ description: 'The redelivery workflow (Temporal UI)' }), temporal_ui_url: z.string() })
  .openapi('WebhookRedelivery');

export const deliveryParams = z.object({
  job_id: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a job id (a UUID)')
    .transform((s) => s.toLowerCase()),
  delivery_id: z.string().regex(/^msg_[0-9a-f-]{36}$/, 'must be a delivery id (msg_<uuid>)'),
});

export type WebhookDeliveryJson = z.infer<typeof webhookDelivery>;
export type WebhookRegistrationJson = z.infer<typeof webhookRegistration>;
