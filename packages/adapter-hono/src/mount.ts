// The two ways to mount a WebhookHandler in a Hono app: a handler/middleware for chosen
// paths, and a sub-app for `app.route("/", …)`. Paths the handler does not serve fall
// through to the app's own routes (and finally its 404).
import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { WebhookHandler, WebhookRequest, WebhookResponse } from "@taskflow-webhooks/core";
import { toHonoResponse } from "./to-hono-response.js";
import { cachedBody, toWebhookRequest, type RemoteAddressOf } from "./to-webhook-request.js";

export interface HonoWebhookOptions {
  /**
   * The socket peer address when not on @hono/node-server (e.g. `getConnInfo(c).remote.address`
   * from `hono/bun` or `hono/deno`). Forwarding headers count only from configured trusted proxies.
   */
  remoteAddress?: RemoteAddressOf;
  /** Observes every answer the core gives (logging, metrics). */
  onResponse?: (c: Context, response: WebhookResponse, request: WebhookRequest) => void;
}

/** `app.all("/hooks/x", webhookHandler(handler))`, or `app.use(webhookHandler(handler))`. */
export function webhookHandler(handler: WebhookHandler, options: HonoWebhookOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const request = toWebhookRequest(c, options.remoteAddress);
    // Only when some middleware already read the body: the common path awaits nothing here.
    const cached = cachedBody(c);
    if (cached) request.body = await cached;
    const response = await handler.handle(request);
    if (response === undefined) return next();
    options.onResponse?.(c, response, request);
    return toHonoResponse(c, response);
  };
}

/** A sub-app serving every configured route: `app.route("/", webhookApp(handler))`. */
export function webhookApp(handler: WebhookHandler, options: HonoWebhookOptions = {}): Hono {
  return new Hono().all("*", webhookHandler(handler, options));
}
