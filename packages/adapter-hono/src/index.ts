// @taskflow-webhooks/adapter-hono: mount taskflow-webhooks routes in a Hono app.
export { loadWebhookApp, webhookApp, webhookHandler } from "./mount.js";
export type { HonoWebhookOptions, LoadWebhookAppOptions } from "./mount.js";
export { toWebhookRequest } from "./to-webhook-request.js";
export { isSoleHandler, toHonoResponse } from "./to-hono-response.js";
