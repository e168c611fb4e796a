// The ways to mount taskflow-webhooks in a Hono app: a handler/middleware for chosen paths,
// a sub-app for `app.route("/", …)`, and `loadWebhookApp` that builds the handler from
// config first. Paths the handler does not serve fall through to the app's own routes
// (and finally its 404). Anything thrown here or in the handler is the core's JSON 500
// envelope with a logged correlation id, never Hono's text/plain 500 with a stack.
import { Hono, type Context, type MiddlewareHandler } from "hono";
import {
  consoleLogger,
  internalErrorResponse,
  isClosingConnection,
  lingerAfterAnswer,
  loadWebhookHandler,
  markClosingConnection,
  type LoadWebhookAdapterOptions,
  type WebhookAdapterOptions,
  type WebhookHandler,
} from "@taskflow-webhooks/core";
import { isSoleHandler, toHonoResponse } from "./to-hono-response.js";
import { cachedBody, nodeIncoming, toWebhookRequest } from "./to-webhook-request.js";

/** The shared adapter options (core README, "Adapter options") with Hono's `Context`. */
export type HonoWebhookOptions = WebhookAdapterOptions<Context>;
export type LoadWebhookAppOptions = LoadWebhookAdapterOptions<Context>;

/** `app.all("/hooks/x", webhookHandler(handler))`, or `app.use(webhookHandler(handler))`. */
export function webhookHandler(handler: WebhookHandler, options: HonoWebhookOptions = {}): MiddlewareHandler {
  const logger = options.logger ?? consoleLogger;
  const correlationId = options.correlationId ?? (() => crypto.randomUUID());
  const middleware: MiddlewareHandler = async (c, next) => {
    const incoming = nodeIncoming(c);
    // Pipelined behind a body refused unread on this connection: its answer can never be
    // sent, so it must not run (core README, "sendNodeResponse").
    if (incoming && isClosingConnection(incoming) && handler.matches(incoming.url ?? "/")) {
      return toHonoResponse(c, { status: 499, headers: {}, body: "", abandoned: true });
    }
    let response;
    let request;
    try {
      request = toWebhookRequest(c, options);
      // Only when some middleware already read the body: the common path awaits nothing here.
      const cached = cachedBody(c);
      if (cached) request.body = await cached;
      response = await handler.handle(request);
      if (response !== undefined) options.onResponse?.(c, response, request);
    } catch (error) {
      response = internalErrorResponse(error, { logger, correlationId, source: "Hono adapter" });
    }
    if (response === undefined) return next();
    if (response.closeConnection && incoming?.socket) {
      markClosingConnection(incoming.socket);
      // @hono/node-server ends the answer, then Node closes the connection: let that close
      // linger, so a client still sending the body reads this answer instead of a reset.
      lingerAfterAnswer(incoming);
    }
    return toHonoResponse(c, response, isSoleHandler(c, middleware));
  };
  return middleware;
}

/** A sub-app serving every configured route: `app.route("/", webhookApp(handler))`. */
export function webhookApp(handler: WebhookHandler, options: HonoWebhookOptions = {}): Hono {
  return new Hono().all("*", webhookHandler(handler, options));
}

/** Validates config, resolves SecretRefs once, then returns the sub-app: `app.route("/", await loadWebhookApp(options))`. */
export async function loadWebhookApp(options: LoadWebhookAppOptions): Promise<Hono & { handler: WebhookHandler }> {
  const handler = await loadWebhookHandler(options);
  return Object.assign(webhookApp(handler, options), { handler });
}
