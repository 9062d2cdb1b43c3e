export { attemptDelivery, MAX_RESPONSE_BYTES, WEBHOOK_TIMEOUT_MS, type AttemptAnswer, type AttemptRequest } from './deliver.js';
export { assertAllowedAddress, checkWebhookUrl, isNonPublicAddress, WebhookAddressError } from './address.js';
export { classifyError, classifyStatus, type AttemptVerdict } from './classify.js';
export { generateSecret, signedHeaders, type SignedHeaders } from './sign.js';
export { seal, unseal } from './seal.js';
export {
  ConfiguredSecretError,
  endpointSecrets,
  registerEndpoint,
  rotateEndpointSecret,
  MissingWebhookSecretError,
  type EndpointRegistration,
  type EndpointSecrets,
  type Rotation,
} from './secrets.js';
export { buildEventBody, type WebhookEventBody } from './event.js';
