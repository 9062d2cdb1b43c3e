import type { z } from '@hono/zod-openapi';
import type { webhookDeliveries } from '../../src/api/webhook-schemas.js';

export type WebhookDeliveries = z.infer<typeof webhookDeliveries>;
