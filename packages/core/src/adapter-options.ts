// The options every framework adapter (Hono, Express) takes, in one shape: documented once
// in the core README ("Adapter options"). `Context` is what the framework hands a handler
// (Hono's `Context`, Express's request).
import type { LoadWebhookHandlerOptions } from "./handler.js";
import type { Logger } from "./ports/logger.js";
import type { WebhookRequest } from "./request.js";
import type { WebhookResponse } from "./view/envelope.js";

export interface WebhookAdapterOptions<Context> {
  /** Warnings and errors of the adapter (and of the core, when the adapter builds it). Default: `consoleLogger`. */
  logger?: Logger;
  /** Correlation ids for the adapter's own 500s. Default: `crypto.randomUUID()`. */
  correlationId?: () => string;
  /** Observes every answer the core gives (a log line, metrics); not called for other paths. */
  onResponse?: (context: Context, response: WebhookResponse, request: WebhookRequest) => void;
  /**
   * The socket peer address (the core's `remoteAddress`; forwarding headers count only when
   * it is a trusted proxy). Default: the Node socket's address where there is one.
   */
  remoteAddressOf?: (context: Context) => string | undefined;
  /**
   * A client identity the host already resolved (the core's `clientAddress`), which wins
   * over the peer and forwarding headers. Default: none (Express: `req.ip` when the app
   * sets `trust proxy`).
   */
  clientAddressOf?: (context: Context) => string | undefined;
}

/** Everything to build the handler from config (secrets resolved once) plus the adapter's options. */
export type LoadWebhookAdapterOptions<Context> = LoadWebhookHandlerOptions & WebhookAdapterOptions<Context>;
