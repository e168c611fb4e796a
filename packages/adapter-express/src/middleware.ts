// Translates between Express and the core: a middleware that answers the configured webhook
// paths (matched against the full `req.originalUrl` path, so prefixes from `app.use(prefix)`
// count) and passes every other request to `next()` untouched. Errors inside never reach
// Express's HTML error page: they become a JSON 500 `internal_error` envelope whose
// correlation id is also in the log line; the error message never goes to the client.
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  createWebhookHandler,
  errorResponse,
  loadWebhookHandler,
  sendNodeResponse,
  type Logger,
  type SecretResolver,
  type WebhookHandler,
  type WebhookHandlerOptions,
} from "@taskflow-webhooks/core";
import { toWebhookRequest, type ExpressRequestLike } from "./express-request.js";

export interface ExpressAdapterOptions {
  /** Adapter warnings and errors (and the core's, when it builds the handler). Default: console. */
  logger?: Logger;
  /** Correlation ids for adapter errors. Default: `crypto.randomUUID()`. */
  correlationId?: () => string;
}

export type WebhookMiddlewareOptions = WebhookHandlerOptions & ExpressAdapterOptions;
export type LoadWebhookMiddlewareOptions = WebhookMiddlewareOptions & {
  /** Resolves SecretRefs once at start-up. Default: `createNodeSecretResolver()` (env; file and exec need providers). */
  secretResolver?: SecretResolver;
};

/** An Express 4/5 middleware; `handler` exposes routes and in-flight counts. */
export interface WebhookMiddleware {
  (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void): Promise<void>;
  readonly handler: WebhookHandler;
}

const consoleLogger: Logger = {
  info: (message, fields) => (fields ? console.info(message, fields) : console.info(message)),
  warn: (message, fields) => (fields ? console.warn(message, fields) : console.warn(message)),
  error: (message, fields) => (fields ? console.error(message, fields) : console.error(message)),
};

/** Resolves SecretRefs, then returns the middleware: `app.use(await loadWebhookMiddleware(options))`. */
export async function loadWebhookMiddleware(options: LoadWebhookMiddlewareOptions): Promise<WebhookMiddleware> {
  const logger = options.logger ?? consoleLogger;
  // loadWebhookHandler defaults the resolver to createNodeSecretResolver().
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
      const response = await handler.handle(toWebhookRequest(req, path, logger));
      if (response === undefined) return false;
      sendNodeResponse(res, response);
    } catch (error) {
      const id = correlationId();
      logger.error("taskflow-webhooks: Express adapter failed", { correlationId: id, error: errorName(error) });
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy();
        return true;
      }
      const response = errorResponse("internal_error", { correlationId: id });
      response.closeConnection = !req.readableEnded;
      sendNodeResponse(res, response);
    }
    return true;
  }

  const middleware = async (req: ExpressRequestLike, res: ServerResponse, next: (error?: unknown) => void) => {
    if (!(await answer(req, res))) next();
  };
  return Object.assign(middleware, { handler });
}

// Only the class name is logged: messages may embed request or record data.
function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}
