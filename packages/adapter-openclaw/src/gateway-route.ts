// One Gateway HTTP route around a WebhookHandler: translate the Node request, write the
// core's answer, and return `false` for paths the handler does not serve (the Gateway then
// answers 404). A throw would become the Gateway's bare text 500: it is answered with the
// core's JSON envelope instead, connection closed, correlation id in the log.
import { randomUUID } from "node:crypto";
import { internalErrorResponse, isClosingConnection, sendNodeResponse, type Logger, type WebhookHandler } from "@taskflow-webhooks/core";
import type { IncomingMessage } from "node:http";
import type { GatewayRouteHandler } from "./gateway-api.js";

export interface GatewayRouteOptions {
  /** The client identity the Gateway's trusted-proxy rules give (see client-address.ts). */
  clientAddressOf?: (req: IncomingMessage) => string | undefined;
  correlationId?: () => string;
}

export function gatewayRoute(handler: WebhookHandler, logger: Logger, options: GatewayRouteOptions = {}): GatewayRouteHandler {
  const { clientAddressOf, correlationId = randomUUID } = options;
  return async (req, res) => {
    // Pipelined behind a refused body on a connection being closed: nothing can answer it.
    if (isClosingConnection(req)) return true;
    try {
      const response = await handler.handle({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        remoteAddress: req.socket?.remoteAddress,
        clientAddress: clientAddressOf?.(req),
        body: { kind: "node", stream: req },
      });
      if (response === undefined) return false;
      sendNodeResponse(res, response, req);
      return true;
    } catch (error) {
      sendNodeResponse(res, internalErrorResponse(error, { logger, correlationId, source: "Gateway adapter" }), req);
      return true;
    }
  };
}
