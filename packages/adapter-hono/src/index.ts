// @taskflow-webhooks/adapter-hono: mount taskflow-webhooks routes in a Hono app.
export { webhookApp, webhookHandler } from "./mount.js";
export type { HonoWebhookOptions } from "./mount.js";
export { toWebhookRequest } from "./to-webhook-request.js";
export type { RemoteAddressOf } from "./to-webhook-request.js";
export { toHonoResponse } from "./to-hono-response.js";
