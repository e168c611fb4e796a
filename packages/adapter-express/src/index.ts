// @taskflow-webhooks/adapter-express: mount the webhook routes in an Express 4 or 5 app.
export { createWebhookMiddleware, loadWebhookMiddleware } from "./middleware.js";
export type {
  ExpressAdapterOptions,
  LoadWebhookMiddlewareOptions,
  WebhookMiddleware,
  WebhookMiddlewareOptions,
} from "./middleware.js";
export type { ExpressRequestLike } from "./express-request.js";
