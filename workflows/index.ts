// The workflow bundle's entry point: every workflow type the worker registers.
export { BackfillWorkflow } from './backfill.js';
export { TopUpWorkflow } from './top-up.js';
export { WebhookRedeliveryWorkflow } from './webhook.js';
