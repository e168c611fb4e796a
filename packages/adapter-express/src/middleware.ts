// Translates between Express and the core: a middleware that answers the configured webhook
// paths (matched against the full `req.originalUrl` path, so prefixes from `app.use(prefix)`
// count) and passes every other request to `next()` untouched. Errors inside never reach
// Express's HTML error page: they become a JSON 500 `internal_error` envelope whose
// correlation id is also in the log line; the error message never goes to the client.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  consoleLogger,
  createWebhookHandler,
  internalErrorResponse,
  isClosingConnection,
  loadWebhookHandler,
  sendNodeResponse,
  type LoadWebhookAdapterOptions,
  type WebhookAdapterOptions,
  type WebhookHandler,
  type WebhookHandlerOptions,
} from "@taskflow-webhooks/core";
import { toWebhookRequest, type ExpressRequestLike } from "./express-request.js";

/** The shared adapter options (core README, "Adapter options") with the Express request as context. */
export type ExpressAdapterOptions = WebhookAdapterOptions<ExpressRequestLike>;
export type WebhookMiddlewareOptions = WebhookHandlerOptions & ExpressAdapterOptions;
/** Config, `secretProviders`/`secretResolver` (SecretRefs resolved once at start-up) and the adapter options. */
export type LoadWebhookMiddlewareOptions = LoadWebhookAdapterOptions<ExpressRequestLike>;

/** An Express 4/5 middleware; `handler` exposes routes and in-flight counts. */
export interface WebhookMiddleware {
  (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void): Promise<void>;
  readonly handler: WebhookHandler;
}

/** Resolves SecretRefs, then returns the middleware: `app.use(await loadWebhookMiddleware(options))`. */
export async function loadWebhookMiddleware(options: LoadWebhookMiddlewareOptions): Promise<WebhookMiddleware> {
  const logger = options.logger ?? consoleLogger;
  // loadWebhookHandler defaults the resolver to createNodeSecretResolver({ providers: secretProviders }).
  const handler = await loadWebhookHandler({ ...options, logger });
  return createWebhookMiddleware(handler, { ...options, logger });
}

/** From a ready handler, or from handler options whose secrets are plain strings. */
export function createWebhookMiddleware(
  handlerOrOptions: WebhookHandler | WebhookMiddlewareOptions,
  adapterOptions: ExpressAdapterOptions = {},
): WebhookMiddleware {
  const isHandler = typeof (handlerOrOptions as WebhookHandler).handle === "function";
  const options = isHandler ? adapterOptions : { ...(handlerOrOptions as WebhookMiddlewareOptions), ...adapterOptions };
  const logger = options.logger ?? consoleLogger;
  const correlationId = options.correlationId ?? randomUUID;
  const handler = isHandler
    ? (handlerOrOptions as WebhookHandler)
    : createWebhookHandler({ ...(options as WebhookMiddlewareOptions), logger });

  /** True when the request was a webhook request and has been answered. */
  async function answer(req: ExpressRequestLike, res: ServerResponse): Promise<boolean> {
    try {
      const path = req.originalUrl ?? req.url ?? "/";
      if (!handler.matches(path)) return false;
      // Pipelined behind a refused body on a connection being closed: nothing can answer it.
      if (isClosingConnection(req)) return true;
      const request = toWebhookRequest(req, path, logger, options);
      const response = await handler.handle(request);
      if (response === undefined) return false;
      options.onResponse?.(req, response, request);
      sendNodeResponse(res, response, req);
    } catch (error) {
      const response = internalErrorResponse(error, { logger, correlationId, source: "Express adapter" });
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy();
        return true;
      }
      response.closeConnection = !req.readableEnded;
      sendNodeResponse(res, response, req);
    }
    return true;
  }

  const middleware = async (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void) => {
    if (!(await answer(req, res))) next();
  };
  return Object.assign(middleware, { handler });
}
